package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.await;
import static org.leaderboard.leaderboard.LiveApi.donation;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.leaderboard.LiveApi.Answer;
import org.leaderboard.leaderboard.LiveApi.Entry;
import org.leaderboard.leaderboard.LiveApi.Totals;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import reactor.core.publisher.Flux;

/**
 * The read API shares reads of the same figures among requests (SharedReads) against the real
 * Redis and PostgreSQL, with a max-age of an hour so that only sharing, and what ends it, decide
 * what a request sees: a change made behind the service's back stays hidden, while every change
 * this instance writes (an applied gift, a rename) shows at once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "leaderboard.read.max-age=1h")
class ReadSharingIntegrationTests {

    static final String DB = "lbt_read_sharing";
    static final int REDIS_DB = 4;
    static final Duration CONVERGENCE = Duration.ofSeconds(10);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    ReactiveStringRedisTemplate redis;

    @Autowired
    MeterRegistry registry;

    LiveApi api;

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
    }

    @Test
    void requestsShareReadsButEveryChangeThisInstanceWritesShowsAtOnce() {
        String c = "shared";
        api.campaign(c, "Shared");
        api.fundraiser(c, "ana", "Ana", null);
        api.fundraiser(c, "ben", "Ben", null);
        assertThat(api.post(donation("sr-1", c, "ana", 700)).block(LiveApi.TIMEOUT).status()).isEqualTo("accepted");
        Totals one = new Totals(700, 1, 0, 0);
        assertThat(await(CONVERGENCE, () -> api.totals(c), one::equals)).as("polling sees the applied gift")
                .isEqualTo(one);

        // Fifty requests for a page nobody read yet: one reads Redis, the others share its answer.
        double fromRedis = count("redis");
        double shared = count("shared");
        List<List<Entry>> pages = Flux.range(0, 50).flatMap(i -> api.pageAsync(c, "fundraisers", 0, 7), 50)
                .collectList().block(LiveApi.TIMEOUT);
        List<Entry> board = List.of(new Entry(1, "ana", "Ana", 700), new Entry(2, "ben", "Ben", 0));
        assertThat(pages).hasSize(50).containsOnly(board);
        assertThat(count("redis") - fromRedis).as("reads of Redis for 50 requests").isEqualTo(1);
        assertThat(count("shared") - shared).as("requests answered by that read").isEqualTo(49);

        // A change behind the service's back (not through it) stays hidden for max-age...
        String totalsKey = "lb:{" + c + "}:" + redis.opsForValue().get(LiveKeys.generationKey(c))
                .block(LiveApi.TIMEOUT) + ":totals";
        redis.opsForHash().increment(totalsKey, "raisedMinor", 1).block(LiveApi.TIMEOUT);
        assertThat(api.totals(c)).as("a shared read, not Redis").isEqualTo(one);
        redis.opsForHash().increment(totalsKey, "raisedMinor", -1).block(LiveApi.TIMEOUT);

        // ...while what the service applies forgets the campaign's shared reads at once.
        assertThat(api.post(donation("sr-2", c, "ben", 900)).block(LiveApi.TIMEOUT))
                .extracting(Answer::status).isEqualTo("accepted");
        Totals two = new Totals(1_600, 2, 0, 0);
        assertThat(await(CONVERGENCE, () -> api.totals(c), two::equals)).isEqualTo(two);
        assertThat(api.page(c, "fundraisers", 0, 7)).containsExactly(new Entry(1, "ben", "Ben", 900),
                new Entry(2, "ana", "Ana", 700));

        // A rename is written to Redis before the organizer's answer: the next read shows it.
        api.fundraiser(c, "ben", "Ben the Bold", null);
        assertThat(api.page(c, "fundraisers", 0, 7)).containsExactly(new Entry(1, "ben", "Ben the Bold", 900),
                new Entry(2, "ana", "Ana", 700));
    }

    private double count(String source) {
        return registry.get("leaderboard.reads").tag("source", source).counter().count();
    }
}
