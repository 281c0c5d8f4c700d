package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.leaderboard.support.Eventually;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service's HTTP API as the live-aggregate tests use it: organizer set-up, ingest (single
 * events and JSON or NDJSON batches, answered per event), and the public reads parsed into
 * comparable values. Also the expected form of a board (competition ranks, ties by id) and a
 * deadline-bound poll.
 */
final class LiveApi {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Set<Object> STARTED = ConcurrentHashMap.newKeySet();

    private final WebClient ingest;
    private final WebClient organizer;
    private final WebClient reader;

    LiveApi(int port) {
        String base = "http://127.0.0.1:" + port;
        this.ingest = WebClient.builder().baseUrl(base).defaultHeaders(h -> h.setBearerAuth(INGEST_TOKEN)).build();
        this.organizer = WebClient.builder().baseUrl(base).defaultHeaders(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .build();
        this.reader = WebClient.builder().baseUrl(base)
                .codecs(c -> c.defaultCodecs().maxInMemorySize(4 * 1024 * 1024)).build();
    }

    /** What ingest answered for one event: {@code status} accepted, duplicate or rejected. */
    record Answer(String eventId, String status, int httpStatus, String problemType) {
    }

    /** One line of a board as the read API gives it. */
    record Entry(long rank, String id, String name, long score) {
    }

    /** The figures of {@code GET /totals} (the campaign's identity and updatedAt left out). */
    record Totals(long raisedMinor, long donationCount, long refundedMinor, long shareCount) {
    }

    // ---- organizer

    void campaign(String id, String title) {
        put("/api/campaigns/" + id, Map.of("title", title, "currency", "EUR", "goalMinor", 1_000_000));
    }

    void team(String campaignId, String teamId, String name) {
        put("/api/campaigns/" + campaignId + "/teams/" + teamId, Map.of("name", name));
    }

    void fundraiser(String campaignId, String fundraiserId, String displayName, String teamId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("displayName", displayName);
        if (teamId != null) {
            body.put("teamId", teamId);
        }
        put("/api/campaigns/" + campaignId + "/fundraisers/" + fundraiserId, body);
    }

    private void put(String path, Map<String, ?> body) {
        Integer status = organizer.put().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value())).block(TIMEOUT);
        assertThat(status).as("PUT " + path).isIn(200, 201);
    }

    /** POST /api/admin/rebuild with the organizer token; answers the status and the JSON body. */
    @SuppressWarnings("unchecked")
    Mono<Map.Entry<Integer, Map<String, Object>>> rebuild() {
        return organizer.post().uri("/api/admin/rebuild").exchangeToMono(response -> response.bodyToMono(Map.class)
                .defaultIfEmpty(Map.of())
                .map(json -> Map.entry(response.statusCode().value(), (Map<String, Object>) json)));
    }

    // ---- ingest

    static String donation(String eventId, String campaignId, String fundraiserId, long amount, String donorName,
            boolean anonymous, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "donation");
        e.put("eventId", eventId);
        e.put("campaignId", campaignId);
        if (fundraiserId != null) {
            e.put("fundraiserId", fundraiserId);
        }
        e.put("amountMinor", amount);
        e.put("currency", "EUR");
        if (donorName != null) {
            e.put("donorName", donorName);
        }
        e.put("anonymous", anonymous);
        if (message != null) {
            e.put("message", message);
        }
        return JSON.writeValueAsString(e);
    }

    static String donation(String eventId, String campaignId, String fundraiserId, long amount) {
        return donation(eventId, campaignId, fundraiserId, amount, "Donor " + eventId, false, null);
    }

    static String refund(String eventId, String campaignId, String donationEventId, long amount) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "refund");
        e.put("eventId", eventId);
        e.put("campaignId", campaignId);
        e.put("donationEventId", donationEventId);
        e.put("amountMinor", amount);
        return JSON.writeValueAsString(e);
    }

    static String share(String eventId, String campaignId, String fundraiserId, String channel, String visitorId) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "share");
        e.put("eventId", eventId);
        e.put("campaignId", campaignId);
        if (fundraiserId != null) {
            e.put("fundraiserId", fundraiserId);
        }
        e.put("channel", channel);
        e.put("visitorId", visitorId);
        return JSON.writeValueAsString(e);
    }

    /** Posts one event to {@code /api/events}. */
    @SuppressWarnings("unchecked")
    Mono<Answer> post(String event) {
        return ingest.post().uri("/api/events").contentType(MediaType.APPLICATION_JSON).bodyValue(event)
                .exchangeToMono(response -> response.bodyToMono(Map.class).defaultIfEmpty(Map.of()).map(json -> {
                    int status = response.statusCode().value();
                    Object answer = json.get("status");
                    if (answer instanceof String s && (status == 200 || status == 202)) {
                        return new Answer((String) json.get("eventId"), s, status, null);
                    }
                    return new Answer(eventIdOf(event), "rejected", status, (String) json.get("type"));
                }));
    }

    /** Posts events to {@code /api/events/batch} as a JSON array or as NDJSON; one answer per event, in order. */
    @SuppressWarnings("unchecked")
    Mono<List<Answer>> postBatch(List<String> events, boolean ndjson) {
        String body = ndjson ? String.join("\n", events) + "\n" : "[" + String.join(",", events) + "]";
        MediaType type = ndjson ? MediaType.parseMediaType("application/x-ndjson") : MediaType.APPLICATION_JSON;
        return ingest.post().uri("/api/events/batch").contentType(type).bodyValue(body)
                .exchangeToMono(response -> response.bodyToMono(Map.class).defaultIfEmpty(Map.of()).map(json -> {
                    if (response.statusCode().value() != 200) {
                        throw new AssertionError("Batch answered " + response.statusCode() + ": " + json);
                    }
                    List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
                    List<Answer> answers = new ArrayList<>();
                    for (Map<String, Object> r : results) {
                        Map<String, Object> problem = (Map<String, Object>) r.get("problem");
                        answers.add(new Answer((String) r.get("eventId"), (String) r.get("status"),
                                problem == null ? 200 : ((Number) problem.get("status")).intValue(),
                                problem == null ? null : (String) problem.get("type")));
                    }
                    return answers;
                }));
    }

    private static String eventIdOf(String event) {
        return (String) JSON.readValue(event, Map.class).get("eventId");
    }

    // ---- reads

    /** GET of a public path that must answer 200 JSON. */
    Map<String, Object> get(String path) {
        return getAsync(path).block(TIMEOUT);
    }

    @SuppressWarnings("unchecked")
    Mono<Map<String, Object>> getAsync(String path) {
        return reader.get().uri(path).exchangeToMono(response -> response.bodyToMono(Map.class)
                .defaultIfEmpty(Map.of())
                .map(json -> {
                    HttpStatusCode status = response.statusCode();
                    if (status.value() != 200) {
                        throw new AssertionError("GET " + path + " answered " + status + ": " + json);
                    }
                    return (Map<String, Object>) json;
                }));
    }

    Totals totals(String campaignId) {
        return totals(get("/api/campaigns/" + campaignId + "/totals"));
    }

    static Totals totals(Map<String, Object> json) {
        return new Totals(number(json.get("raisedMinor")), number(json.get("donationCount")),
                number(json.get("refundedMinor")), number(json.get("shareCount")));
    }

    Mono<List<Entry>> pageAsync(String campaignId, String board, int offset, int limit) {
        return getAsync("/api/campaigns/" + campaignId + "/leaderboards/" + board + "?offset=" + offset + "&limit="
                + limit).map(json -> {
                    assertThat(json.get("board")).isEqualTo(board);
                    return entries(json);
                });
    }

    List<Entry> page(String campaignId, String board, int offset, int limit) {
        return pageAsync(campaignId, board, offset, limit).block(TIMEOUT);
    }

    /** The whole board, read in pages of {@code pageSize} until a short page. */
    List<Entry> board(String campaignId, String board, int pageSize) {
        List<Entry> all = new ArrayList<>();
        for (int offset = 0;; offset += pageSize) {
            List<Entry> page = page(campaignId, board, offset, pageSize);
            assertThat(page.size()).as("page size of %s at offset %d", board, offset).isLessThanOrEqualTo(pageSize);
            all.addAll(page);
            if (page.size() < pageSize) {
                return all;
            }
        }
    }

    @SuppressWarnings("unchecked")
    static List<Entry> entries(Map<String, Object> json) {
        return ((List<Map<String, Object>>) json.get("entries")).stream()
                .map(e -> new Entry(number(e.get("rank")), (String) e.get("id"), (String) e.get("name"),
                        number(e.get("score"))))
                .toList();
    }

    Map<String, Object> fundraiserPage(String campaignId, String fundraiserId) {
        return get("/api/campaigns/" + campaignId + "/fundraisers/" + fundraiserId);
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> feed(String campaignId, int limit) {
        return (List<Map<String, Object>>) get("/api/campaigns/" + campaignId + "/feed?limit=" + limit).get("entries");
    }

    static long number(Object value) {
        return ((Number) Objects.requireNonNull(value, "a number was expected")).longValue();
    }

    // ---- expectations

    /**
     * A board as the contract defines it: score descending, ties by id ascending, standard
     * competition ranks (1, 2, 2, 4); only positive scores when {@code positiveOnly} (trending).
     */
    static List<Entry> ranked(Map<String, Long> scores, Map<String, String> names, boolean positiveOnly) {
        List<Map.Entry<String, Long>> sorted = scores.entrySet().stream()
                .filter(e -> !positiveOnly || e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .toList();
        List<Entry> board = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            Map.Entry<String, Long> e = sorted.get(i);
            long rank = i > 0 && sorted.get(i - 1).getValue().equals(e.getValue()) ? board.get(i - 1).rank() : i + 1;
            board.add(new Entry(rank, e.getKey(), names.get(e.getKey()), e.getValue()));
        }
        return board;
    }

    /**
     * What {@code GET /fundraisers/{f}} must say of a fundraiser's standing, from the expected
     * fundraisers board: its rank, and for ahead the next better-ranked fundraiser, that is the
     * last entry (largest id) of the lowest score group above its own; null at rank 1.
     */
    static Map<String, Object> expectedStanding(List<Entry> fundraisersBoard, String fundraiserId) {
        Entry me = fundraisersBoard.stream().filter(e -> e.id().equals(fundraiserId)).findFirst().orElseThrow();
        Entry ahead = null;
        for (Entry e : fundraisersBoard) {
            if (e.score() > me.score()) {
                ahead = e;
            }
        }
        Map<String, Object> standing = new LinkedHashMap<>();
        standing.put("raisedMinor", me.score());
        standing.put("rank", me.rank());
        if (ahead == null) {
            standing.put("ahead", null);
        }
        else {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", ahead.id());
            a.put("name", ahead.name());
            a.put("score", ahead.score());
            a.put("gapMinor", ahead.score() - me.score());
            standing.put("ahead", a);
        }
        return standing;
    }

    /** The standing fields of a fundraiser page, numbers as longs, in the form of {@link #expectedStanding}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> standingOf(Map<String, Object> page) {
        Map<String, Object> standing = new LinkedHashMap<>();
        standing.put("raisedMinor", number(page.get("raisedMinor")));
        standing.put("rank", page.get("rank") == null ? null : number(page.get("rank")));
        Map<String, Object> ahead = (Map<String, Object>) page.get("ahead");
        if (ahead == null) {
            standing.put("ahead", null);
        }
        else {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", ahead.get("id"));
            a.put("name", ahead.get("name"));
            a.put("score", number(ahead.get("score")));
            a.put("gapMinor", number(ahead.get("gapMinor")));
            standing.put("ahead", a);
        }
        return standing;
    }

    /** See {@link Eventually#await}. */
    static <T> T await(Duration deadline, Supplier<T> probe, Predicate<T> done) {
        return Eventually.await(deadline, probe, done);
    }

    /**
     * Waits once per context (at most 5 s) for the rebuild a fresh service runs when Redis holds no marker, so a
     * test's set-up does not race with it; proceeds either way (tests of rebuilds assert on it).
     */
    static void awaitStartupRebuild(ReactiveStringRedisTemplate redis) {
        if (!STARTED.add(redis)) {
            return; // once per application context
        }
        Boolean present = await(Duration.ofSeconds(5),
                () -> redis.hasKey(LiveKeys.MARKER_KEY).block(TIMEOUT), Boolean.TRUE::equals);
        if (!Boolean.TRUE.equals(present)) {
            System.err.println("WARNING: no " + LiveKeys.MARKER_KEY + " marker 5 s after start-up: the"
                    + " start-up rebuild did not complete; rebuilds may race with this test's set-up");
        }
    }

    static Map<String, Long> sumByKey(Map<String, String> keyOf, Map<String, Long> values, Iterable<String> keys) {
        Map<String, Long> sums = new LinkedHashMap<>();
        keys.forEach(k -> sums.put(k, 0L));
        values.forEach((id, v) -> {
            String key = keyOf.get(id);
            if (key != null) {
                sums.merge(key, v, Long::sum);
            }
        });
        return sums;
    }

    static String describe(List<Entry> board) {
        return board.stream().map(e -> e.rank() + ":" + e.id() + "=" + e.score()).collect(Collectors.joining(", "));
    }
}
