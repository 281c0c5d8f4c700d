package org.leaderboard.ingest;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.leaderboard.ledger.WriteOutcome;
import org.springframework.stereotype.Component;

/**
 * The ingest path's meters: events by outcome and rejection reason, group sizes, commit
 * latency, and the depth of the commit queue. Counters are cached per tag pair so counting
 * an event costs a map lookup.
 */
@Component
class IngestMetrics {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final DistributionSummary groupSize;
    private final Timer commitLatency;
    private final Counter failedGroups;
    private final Counter overloaded;

    IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.groupSize = DistributionSummary.builder("leaderboard.ingest.group.size")
                .description("Events written by one ledger transaction")
                .publishPercentileHistogram()
                .register(registry);
        this.commitLatency = Timer.builder("leaderboard.ingest.commit")
                .description("Time to write and commit one group of events")
                .publishPercentileHistogram()
                .register(registry);
        this.failedGroups = Counter.builder("leaderboard.ingest.group.failures")
                .description("Group transactions that failed (their events were answered 503)")
                .register(registry);
        this.overloaded = Counter.builder("leaderboard.ingest.overloaded")
                .description("Events refused with 503 because the commit queue was full")
                .register(registry);
    }

    void queueDepth(Supplier<Number> depth) {
        Gauge.builder("leaderboard.ingest.queue.depth", depth).description("Events waiting for a commit")
                .register(registry);
    }

    void commitsInFlight(Supplier<Number> commits) {
        Gauge.builder("leaderboard.ingest.commits.in.flight", commits)
                .description("Group commits holding a slot: from their start until their statement really ended")
                .register(registry);
    }

    void outcome(WriteOutcome outcome) {
        String reason = outcome.problem() == null ? "none" : outcome.problem().type();
        count(outcome.status().wire(), reason);
    }

    /** An event rejected before it reached the ledger (invalid fields, malformed JSON). */
    void rejected(String reason) {
        count("rejected", reason);
    }

    void group(int size, Duration elapsed, boolean committed) {
        groupSize.record(size);
        commitLatency.record(elapsed);
        if (!committed) {
            failedGroups.increment();
        }
    }

    void overloaded(int events) {
        overloaded.increment(events);
    }

    private void count(String status, String reason) {
        counters.computeIfAbsent(status + '/' + reason, key -> Counter.builder("leaderboard.ingest.events")
                .description("Events answered by the ingest API")
                .tag("status", status)
                .tag("reason", reason)
                .register(registry)).increment();
    }
}
