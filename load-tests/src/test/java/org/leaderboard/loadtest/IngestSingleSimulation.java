package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/**
 * Throughput and latency of {@code POST /api/events}, one event per request: {@code connections}
 * (default 64) closed-loop users, the shape of many payment webhooks arriving at once; or, with
 * {@code eventsPerSecond > 0}, that many requests per second whatever the response times.
 */
public class IngestSingleSimulation extends IngestSimulation {

    public IngestSingleSimulation() {
        super(64);
        start();
    }

    @Override
    String shape() {
        return "single events";
    }

    @Override
    int eventsPerRequest() {
        return 1;
    }

    @Override
    ChainBuilder post(Tally t, boolean silent) {
        HttpRequestActionBuilder req = http(silent ? "event (warm-up)" : "event")
                .post("/api/events")
                .body(StringBody(s -> {
                    StringBuilder sb = new StringBuilder(200);
                    appendEvent(sb, t, s.getLong("n"));
                    return sb.toString();
                }))
                // 202 accepted, 200 duplicate; anything else is a KO and counts as unanswered.
                .check(status().in(202, 200).saveAs("code"));
        return exec(s -> s.set("n", t.seq.getAndIncrement()))
                .exec(silent ? req.silent() : req)
                .exec(s -> record(t, s));
    }

    private Session record(Tally t, Session s) {
        if (!s.contains("code") || s.isFailed()) {
            t.unanswered.incrementAndGet();
        } else if (s.getInt("code") == 202) {
            t.accept(s.getLong("n"));
        } else {
            t.duplicate.incrementAndGet();
        }
        return s.remove("code");
    }
}
