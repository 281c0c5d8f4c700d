package org.leaderboard.leaderboard;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the live aggregates follow the ledger.
 *
 * @param applyInterval how often the applier polls the ledger (it is also nudged after each local commit)
 * @param commitWakeGap a local commit wakes the applier at once unless an earlier one did less than this ago
 * @param pageSize ledger rows applied to Redis per step, at most
 * @param applyConcurrency campaigns of one step applied to Redis at once
 * @param markerCheckInterval how often Redis is checked for a lost state (FLUSHDB, restart), which triggers a rebuild
 * @param catchUpThreshold a backlog of at least this many events (and at least a tenth of the ledger) is caught up
 *        by aggregates, in one pass over the ledger as a rebuild does, instead of page by page
 * @param applyEnabled whether this instance takes part in applying the ledger to Redis (an instance that does not
 *        still serves reads and live streams, and still rebuilds a lost state)
 */
@ConfigurationProperties("leaderboard.live")
record LiveProperties(
        @DefaultValue("100ms") Duration applyInterval,
        @DefaultValue("20ms") Duration commitWakeGap,
        @DefaultValue("50000") int pageSize,
        @DefaultValue("8") int applyConcurrency,
        @DefaultValue("1s") Duration markerCheckInterval,
        @DefaultValue("500000") long catchUpThreshold,
        @DefaultValue("true") boolean applyEnabled) {

    LiveProperties {
        if (applyInterval.isNegative() || applyInterval.isZero() || commitWakeGap.isNegative()
                || commitWakeGap.isZero() || pageSize < 1 || applyConcurrency < 1
                || markerCheckInterval.isNegative() || markerCheckInterval.isZero() || catchUpThreshold < 1) {
            throw new IllegalArgumentException("leaderboard.live: intervals must be positive, sizes at least 1");
        }
    }
}
