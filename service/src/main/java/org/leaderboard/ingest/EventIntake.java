package org.leaderboard.ingest;

import java.util.ArrayList;
import java.util.List;

import org.leaderboard.ledger.LedgerEvent;
import org.leaderboard.ledger.WriteOutcome;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * The ingest path for event sources inside the service (demo mode): the HTTP batch endpoint's
 * validation and group commit, without the HTTP. Events given here are checked by the same
 * parser, counted by the same metrics and committed by the same group committer as
 * {@code POST /api/events/batch}, so they reach the ledger, Redis and the streams exactly as a
 * payment provider's would.
 */
@Component
public class EventIntake {

    private final EventParser parser = new EventParser();
    private final GroupCommitter committer;
    private final IngestMetrics metrics;

    EventIntake(GroupCommitter committer, IngestMetrics metrics) {
        this.committer = committer;
        this.metrics = metrics;
    }

    /**
     * Validates and commits {@code events} (JSON objects of the ingest API), answering one outcome
     * per event in input order once the valid ones are committed. Fails with the committer's 503
     * problem, as the HTTP batch does, when it cannot take them (queue full, ledger down).
     */
    public Mono<List<WriteOutcome>> submit(List<JsonNode> events) {
        return Mono.defer(() -> {
            List<EventParser.Parsed> parsed = new ArrayList<>(events.size());
            List<LedgerEvent> valid = new ArrayList<>(events.size());
            for (JsonNode node : events) {
                EventParser.Parsed p = parser.parse(node);
                parsed.add(p);
                if (p.event() != null) {
                    valid.add(p.event());
                }
                else {
                    metrics.rejected(p.problem().type());
                }
            }
            Mono<List<WriteOutcome>> committed = valid.isEmpty() ? Mono.just(List.of()) : committer.submit(valid);
            return committed.map(outcomes -> {
                List<WriteOutcome> all = new ArrayList<>(parsed.size());
                int next = 0;
                for (EventParser.Parsed p : parsed) {
                    all.add(p.event() != null ? outcomes.get(next++) : WriteOutcome.rejected(p.eventId(), p.problem()));
                }
                return all;
            });
        });
    }
}
