package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/**
 * Peak ingest rate through {@code POST /api/events/batch}, the path integrations use to catch up:
 * {@code connections} (default 8) closed-loop users each post batches of {@code batchSize}
 * (default 100) donations. With {@code eventsPerSecond > 0}, latency at that load instead:
 * {@code eventsPerSecond / batchSize} batches per second whatever the response times.
 */
public class IngestBatchSimulation extends IngestSimulation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int batchSize = Integer.getInteger("batchSize", 100);

    public IngestBatchSimulation() {
        this(8, 0);
        start();
    }

    /** For a subclass that adds its own populations; it calls {@link #start()} itself. */
    IngestBatchSimulation(int defaultConnections, double defaultEventsPerSecond) {
        super(defaultConnections, defaultEventsPerSecond);
    }

    @Override
    String shape() {
        return "batchSize=" + batchSize;
    }

    @Override
    int eventsPerRequest() {
        return batchSize;
    }

    @Override
    ChainBuilder post(Tally t, boolean silent) {
        HttpRequestActionBuilder req = http(silent ? "batch (warm-up)" : "batch")
                .post("/api/events/batch")
                .body(StringBody(s -> batch(t, s.getLong("first"))))
                .check(status().is(200), bodyString().saveAs("answer"));
        return exec(s -> s.set("first", t.seq.getAndAdd(batchSize)))
                .exec(silent ? req.silent() : req)
                .exec(s -> record(t, s));
    }

    private String batch(Tally t, long first) {
        StringBuilder sb = new StringBuilder(batchSize * 180).append('[');
        for (long n = first; n < first + batchSize; n++) {
            if (n > first) sb.append(',');
            appendEvent(sb, t, n);
        }
        return sb.append(']').toString();
    }

    // Counts per event id rather than trusting result order, so the accepted sum is exact.
    private Session record(Tally t, Session s) {
        String answer = s.contains("answer") ? s.getString("answer") : null;
        if (answer == null || s.isFailed()) {
            t.unanswered.addAndGet(batchSize);
            return s.remove("answer");
        }
        int seen = 0;
        try {
            for (JsonNode r : JSON.readTree(answer).path("results")) {
                seen++;
                switch (r.path("status").asText()) {
                    case "accepted" -> t.accept(t.seqOf(r.path("eventId").asText()));
                    case "duplicate" -> t.duplicate.incrementAndGet();
                    default -> {
                        t.rejected.incrementAndGet();
                        t.problem(r.toString());
                    }
                }
            }
        } catch (Exception e) {
            t.problem("unreadable batch answer: " + e.getMessage());
        }
        if (seen != batchSize) t.unanswered.addAndGet(batchSize - seen);
        return s.remove("answer");
    }
}
