package org.leaderboard.ingest;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of the ingest path.
 *
 * @param queueCapacity events waiting for a commit, at most; beyond it requests get 503 at once
 * @param maxGroupSize events written by one transaction, at most
 * @param maxConcurrentCommits group commits in flight at once, at most (each holds a connection)
 * @param concurrentCommitBacklog events that must be waiting for another commit to start while one is
 *        in flight; fewer wait for it to finish and leave together in the next group
 * @param commitTimeout a group not committed by then fails its requests with 503 (it keeps its slot
 *        until its statement ends)
 * @param abandonAfter a group whose statement has not ended by then is abandoned and frees its slot;
 *        keep it above PostgreSQL's {@code statement_timeout} (which ends the statement there) so an
 *        abandoned statement is surely no longer running
 * @param retryAfter the Retry-After advertised with a 503
 * @param maxEventBytes body limit of {@code POST /api/events}
 * @param maxBatchBytes body limit of {@code POST /api/events/batch}
 * @param maxBatchEvents events in one batch request, at most
 */
@ConfigurationProperties("leaderboard.ingest")
record IngestProperties(
        @DefaultValue("20000") int queueCapacity,
        @DefaultValue("1000") int maxGroupSize,
        @DefaultValue("4") int maxConcurrentCommits,
        @DefaultValue("250") int concurrentCommitBacklog,
        @DefaultValue("5s") Duration commitTimeout,
        @DefaultValue("15s") Duration abandonAfter,
        @DefaultValue("1s") Duration retryAfter,
        @DefaultValue("64KB") DataSize maxEventBytes,
        @DefaultValue("1MB") DataSize maxBatchBytes,
        @DefaultValue("1000") int maxBatchEvents) {

    IngestProperties {
        require(queueCapacity >= 1, "queue-capacity must be at least 1");
        require(maxGroupSize >= 1, "max-group-size must be at least 1");
        require(maxConcurrentCommits >= 1, "max-concurrent-commits must be at least 1");
        require(concurrentCommitBacklog >= 1, "concurrent-commit-backlog must be at least 1");
        require(maxBatchEvents >= 1 && maxBatchEvents <= queueCapacity,
                "max-batch-events must be between 1 and queue-capacity");
        require(!commitTimeout.isNegative() && !commitTimeout.isZero(), "commit-timeout must be positive");
        require(abandonAfter.compareTo(commitTimeout) > 0, "abandon-after must be longer than commit-timeout");
        require(retryAfter.toSeconds() >= 1, "retry-after must be at least 1s");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("leaderboard.ingest." + message);
        }
    }
}
