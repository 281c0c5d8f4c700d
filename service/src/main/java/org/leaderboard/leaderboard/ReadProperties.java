package org.leaderboard.leaderboard;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the read API reads Redis.
 *
 * @param maxAge how old a read of the same figures may be for a request to share it instead of reading Redis
 *        again; changes written by this instance are never hidden by it. 0 turns sharing off
 */
@ConfigurationProperties("leaderboard.read")
record ReadProperties(@DefaultValue("50ms") Duration maxAge) {

    ReadProperties {
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("leaderboard.read.max-age must not be negative, got " + maxAge);
        }
    }
}
