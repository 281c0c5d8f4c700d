package org.leaderboard.demo;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Demo mode: a living campaign {@code demo} for a newcomer's first look, fed through the real
 * ingest path. Off unless {@code enabled}.
 *
 * @param enabled whether the service creates the demo campaign and drives its stream
 * @param giftsPerSecond donations per second on average outside surges
 * @param step how often a batch of the stream is generated and submitted
 * @param firstSurge when the first viral surge starts, after start-up
 * @param surgeEvery how often a viral surge starts again
 * @param surgeLength how long a surge lasts
 * @param surgeFactor how many times more gifts (and shares) come during a surge
 * @param refundsPerGift refunds per donation on average (a refund takes back part or all of an earlier gift)
 * @param sharesPerSecond shares per second on average outside surges
 * @param seed the random generator's seed, for a reproducible stream; 0 picks one at start-up
 */
@ConfigurationProperties("leaderboard.demo")
record DemoProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("3") double giftsPerSecond,
        @DefaultValue("250ms") Duration step,
        @DefaultValue("45s") Duration firstSurge,
        @DefaultValue("4m") Duration surgeEvery,
        @DefaultValue("20s") Duration surgeLength,
        @DefaultValue("8") double surgeFactor,
        @DefaultValue("0.02") double refundsPerGift,
        @DefaultValue("0.7") double sharesPerSecond,
        @DefaultValue("0") long seed) {

    DemoProperties {
        require(giftsPerSecond > 0 && giftsPerSecond <= 200, "gifts-per-second must be above 0 and at most 200");
        require(step.toMillis() >= 10 && step.compareTo(Duration.ofSeconds(10)) <= 0,
                "step must be between 10ms and 10s");
        require(!firstSurge.isNegative(), "first-surge must not be negative");
        require(!surgeLength.isNegative() && !surgeLength.isZero() && surgeLength.compareTo(surgeEvery) < 0,
                "surge-length must be positive and shorter than surge-every");
        require(surgeFactor >= 1 && surgeFactor <= 50, "surge-factor must be between 1 and 50");
        require(refundsPerGift >= 0 && refundsPerGift <= 0.5, "refunds-per-gift must be between 0 and 0.5");
        require(sharesPerSecond >= 0 && sharesPerSecond <= 100, "shares-per-second must be between 0 and 100");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("leaderboard.demo." + message);
        }
    }
}
