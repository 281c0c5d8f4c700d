package org.leaderboard.campaign;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The rate limit of public self-service signups (a page created per request), per client address
 * and per instance.
 *
 * @param burst pages one client may create at once
 * @param refillEvery then one more per this long
 * @param maxClients client addresses followed at once, at most (the limiter's memory bound)
 */
@ConfigurationProperties("leaderboard.signup")
record SignupProperties(
        @DefaultValue("5") int burst,
        @DefaultValue("1m") Duration refillEvery,
        @DefaultValue("100000") int maxClients) {

    SignupProperties {
        if (burst < 1 || refillEvery.isNegative() || refillEvery.isZero() || maxClients < 1) {
            throw new IllegalArgumentException(
                    "leaderboard.signup: burst and max-clients must be >= 1, refill-every positive");
        }
    }
}
