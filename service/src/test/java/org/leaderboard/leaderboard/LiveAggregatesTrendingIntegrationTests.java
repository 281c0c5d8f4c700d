package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.await;
import static org.leaderboard.leaderboard.LiveApi.donation;
import static org.leaderboard.leaderboard.LiveApi.number;
import static org.leaderboard.leaderboard.LiveApi.refund;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.leaderboard.LiveApi.Answer;
import org.leaderboard.leaderboard.LiveApi.Entry;
import org.leaderboard.leaderboard.LiveApi.Totals;
import org.leaderboard.support.MutableClock;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The trending board sums the last 60 minutes of the service's clock: with the clock moved past
 * the window the board empties while the all-time boards and totals keep every amount.
 */
// Bean overriding must be allowed before the context reads its bean definitions, which is earlier
// than @DynamicPropertySource values are visible: a property of the annotation, not of the registry.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.allow-bean-definition-overriding=true")
class LiveAggregatesTrendingIntegrationTests {

    static final String DB = "lbt_live_trending";
    static final int REDIS_DB = 11;
    static final Duration CONVERGENCE = Duration.ofSeconds(10);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    /** Replaces the service's {@code clock} bean by one the test can move. */
    @TestConfiguration(proxyBeanMethods = false)
    static class MovableClock {

        @Bean
        MutableClock clock() {
            return new MutableClock();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    MutableClock clock;

    @Autowired
    ReactiveStringRedisTemplate redis;

    @Autowired
    Clock serviceClock;

    LiveApi api;

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
        clock.reset();
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void trendingEmptiesOnceTheClockPassesTheSixtyMinuteWindow() {
        assertThat(serviceClock).as("the service reads time from the test's clock").isSameAs(clock);
        String c = "trend";
        api.campaign(c, "Trend");
        api.team(c, "crew", "Crew");
        api.fundraiser(c, "hot", "Hot", "crew");
        api.fundraiser(c, "warm", "Warm", "crew");
        api.fundraiser(c, "cold", "Cold", null);
        api.fundraiser(c, "gone", "Gone", null);
        assertThat(api.postBatch(List.of(donation("tr-1", c, "hot", 600), donation("tr-2", c, "warm", 400),
                donation("tr-3", c, "hot", 300), donation("tr-4", c, "gone", 300), refund("tr-5", c, "tr-4", 300),
                donation("tr-6", c, null, 5_000)), true).block(LiveApi.TIMEOUT))
                .extracting(Answer::status).containsOnly("accepted");

        List<Entry> trending = List.of(new Entry(1, "hot", "Hot", 900), new Entry(2, "warm", "Warm", 400));
        List<Entry> fundraisers = List.of(new Entry(1, "hot", "Hot", 900), new Entry(2, "warm", "Warm", 400),
                new Entry(3, "cold", "Cold", 0), new Entry(3, "gone", "Gone", 0));
        List<Entry> teams = List.of(new Entry(1, "crew", "Crew", 1_300));
        Totals totals = new Totals(6_300, 5, 300, 0);
        assertThat(await(CONVERGENCE, () -> api.page(c, "trending", 0, 10), trending::equals))
                .as("a fundraiser whose gifts were refunded is not trending").isEqualTo(trending);
        assertThat(api.page(c, "fundraisers", 0, 10)).isEqualTo(fundraisers);
        assertThat(await(CONVERGENCE, () -> api.totals(c), totals::equals)).isEqualTo(totals);

        // 58 minutes on, the gifts' minute is still inside the window [now - 59 min, now].
        clock.advance(Duration.ofMinutes(58));
        assertThat(api.page(c, "trending", 0, 10)).isEqualTo(trending);

        // 61 minutes on they have left it: trending is empty, every other figure stays.
        clock.advance(Duration.ofMinutes(3));
        assertThat(api.page(c, "trending", 0, 10)).isEmpty();
        assertThat(api.page(c, "trending", 0, 100)).isEmpty();
        assertThat(api.page(c, "fundraisers", 0, 10)).isEqualTo(fundraisers);
        assertThat(api.page(c, "teams", 0, 10)).isEqualTo(teams);
        assertThat(api.totals(c)).isEqualTo(totals);
        Map<String, Object> hot = api.fundraiserPage(c, "hot");
        assertThat(number(hot.get("raisedMinor"))).isEqualTo(900);
        assertThat(number(hot.get("rank"))).isEqualTo(1);

        // The window moved on with the clock and never moves back (a lagging reader sees the newest
        // window), so going back to the real time does not bring those gifts back.
        clock.reset();
        assertThat(api.page(c, "trending", 0, 10)).isEmpty();
    }
}
