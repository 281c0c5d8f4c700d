package org.leaderboard.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.leaderboard.ledger.LedgerEvent;
import org.leaderboard.ledger.WriteOutcome;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.BodyFormat;
import org.leaderboard.system.ProblemResponses;
import org.leaderboard.system.RequestBodies;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/events} and {@code POST /api/events/batch}: reads and validates the events,
 * hands the valid ones to the group committer and answers only once they are committed.
 */
@Component
class IngestHandler {

    private final EventParser parser = new EventParser();
    private final GroupCommitter committer;
    private final IngestProperties properties;
    private final IngestMetrics metrics;
    private final RequestBodies bodies;

    IngestHandler(GroupCommitter committer, IngestProperties properties, IngestMetrics metrics,
            RequestBodies bodies) {
        this.committer = committer;
        this.properties = properties;
        this.metrics = metrics;
        this.bodies = bodies;
    }

    Mono<ServerResponse> single(ServerRequest request) {
        return bodies.read(request, properties.maxEventBytes())
                .map(bytes -> parser.parse(bodies.parseJson(bytes)))
                .flatMap(parsed -> {
                    if (parsed.problem() != null) {
                        metrics.rejected(parsed.problem().type());
                        return Mono.error(parsed.problem());
                    }
                    return committer.submit(List.of(parsed.event())).map(outcomes -> outcomes.get(0));
                })
                .flatMap(outcome -> switch (outcome.status()) {
                    case ACCEPTED -> ServerResponse.accepted().contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(statusJson(outcome.eventId(), "accepted"));
                    case DUPLICATE -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(statusJson(outcome.eventId(), "duplicate"));
                    case REJECTED -> ProblemResponses.render(outcome.problem(), request);
                })
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    Mono<ServerResponse> batch(ServerRequest request) {
        boolean ndjson;
        try {
            ndjson = BodyFormat.of(request.headers().asHttpHeaders(), BodyFormat.JSON, BodyFormat.NDJSON)
                    == BodyFormat.NDJSON;
        }
        catch (ApiProblem problem) {
            return ProblemResponses.render(problem, request);
        }
        return bodies.read(request, properties.maxBatchBytes(), BodyFormat.JSON, BodyFormat.NDJSON)
                .map(bytes -> ndjson ? ndjsonNodes(bytes) : arrayNodes(bytes))
                .flatMap(nodes -> {
                    if (nodes.isEmpty()) {
                        return Mono.error(ApiProblem.malformed("The batch holds no event"));
                    }
                    if (nodes.size() > properties.maxBatchEvents()) {
                        return Mono.error(ApiProblem.tooLarge("A batch holds at most " + properties.maxBatchEvents()
                                + " events; this one holds " + nodes.size()));
                    }
                    List<EventParser.Parsed> parsed = new ArrayList<>(nodes.size());
                    List<LedgerEvent> valid = new ArrayList<>(nodes.size());
                    for (Object node : nodes) {
                        EventParser.Parsed p = node instanceof ApiProblem problem
                                ? new EventParser.Parsed(null, null, problem)
                                : parser.parse((JsonNode) node);
                        parsed.add(p);
                        if (p.event() != null) {
                            valid.add(p.event());
                        }
                        else {
                            metrics.rejected(p.problem().type());
                        }
                    }
                    return committer.submit(valid).map(outcomes -> results(parsed, outcomes, request));
                })
                .flatMap(results -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("results", results)))
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    private static List<Map<String, Object>> results(List<EventParser.Parsed> parsed, List<WriteOutcome> outcomes,
            ServerRequest request) {
        List<Map<String, Object>> results = new ArrayList<>(parsed.size());
        int next = 0;
        for (EventParser.Parsed p : parsed) {
            WriteOutcome outcome = p.event() != null ? outcomes.get(next++)
                    : WriteOutcome.rejected(p.eventId(), p.problem());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("eventId", outcome.eventId());
            result.put("status", outcome.status().wire());
            if (outcome.problem() != null) {
                result.put("problem", outcome.problem().body(null));
            }
            results.add(result);
        }
        return results;
    }

    /**
     * {@code {"eventId":"…","status":"…"}}, written by hand: it is the answer to every single
     * event, and a JSON generator per response cost more than the rest of writing it. An event id
     * is printable ASCII (validated), so only quotes and backslashes need escaping.
     */
    static byte[] statusJson(String eventId, String status) {
        StringBuilder json = new StringBuilder(eventId.length() + 40).append("{\"eventId\":\"");
        for (int i = 0; i < eventId.length(); i++) {
            char c = eventId.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\');
            }
            json.append(c);
        }
        return json.append("\",\"status\":\"").append(status).append("\"}").toString()
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A JSON array of events. A body that is not valid JSON rejects the whole request. */
    private List<Object> arrayNodes(byte[] bytes) {
        JsonNode root = bodies.parseJson(bytes);
        if (!root.isArray()) {
            throw ApiProblem.malformed("A batch is a JSON array of events, or NDJSON with one event a line");
        }
        List<Object> nodes = new ArrayList<>(root.size());
        root.forEach(nodes::add);
        return nodes;
    }

    /** One event a line; a line that is not valid JSON rejects that event only. Blank lines are skipped. */
    private List<Object> ndjsonNodes(byte[] bytes) {
        List<Object> nodes = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                int end = i;
                while (end > start && (bytes[end - 1] == '\r' || bytes[end - 1] == ' ' || bytes[end - 1] == '\t')) {
                    end--;
                }
                int from = start;
                while (from < end && (bytes[from] == ' ' || bytes[from] == '\t')) {
                    from++;
                }
                if (end > from) {
                    try {
                        nodes.add(bodies.parseJson(bytes, from, end - from));
                    }
                    catch (ApiProblem problem) {
                        nodes.add(problem);
                    }
                }
                start = i + 1;
            }
        }
        return nodes;
    }
}
