package org.leaderboard.share;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The rate limit of the public share endpoint, per client address and per instance.
 *
 * @param burst shares one client may post at once
 * @param refillEvery then one more per this long
 * @param maxClients client addresses followed at once, at most (the limiter's memory bound)
 */
@ConfigurationProperties("leaderboard.share")
record ShareProperties(
        @DefaultValue("30") int burst,
        @DefaultValue("1s") Duration refillEvery,
        @DefaultValue("100000") int maxClients) {

    ShareProperties {
        if (burst < 1 || refillEvery.isNegative() || refillEvery.isZero() || maxClients < 1) {
            throw new IllegalArgumentException(
                    "leaderboard.share: burst and max-clients must be >= 1, refill-every positive");
        }
    }
}
