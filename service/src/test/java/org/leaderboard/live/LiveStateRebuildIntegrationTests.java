package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.live.StreamClient.Received;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RedisServer;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;


/**
 * A public figure is exact or absent: after Redis lost everything (FLUSHALL on a server of the
 * test's own) and until the rebuild swaps the ledger's figures in (here only the organizer's
 * rebuild: the watcher looks once an hour), reads answer 503 and open streams keep their last
 * frame; then the exact figures, gifts made meanwhile included. A campaign created meanwhile is
 * exact at once (it has no events).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "leaderboard.live.marker-check-interval=1h",
                // Every read goes to Redis: a shared answer from before the flush would hide the loss.
                "leaderboard.read.max-age=0s" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class LiveStateRebuildIntegrationTests {

    static final Duration PATIENCE = Duration.ofSeconds(20);
    static final RedisServer REDIS = new RedisServer().start();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_live_state_rebuild", REDIS);
    }

    @AfterAll
    static void stopRedis() {
        REDIS.close();
    }

    @LocalServerPort
    int port;

    PublicApi api;
    WebTestClient http;

    @BeforeEach
    void http() {
        api = new PublicApi(port);
        http = api.http;
    }

    @Test
    void afterRedisLostItsDataReadsAnswer503AndStreamsHoldTheirLastFrameUntilTheRebuild() {
        String c = "lost";
        api.organizer("/api/campaigns/" + c, "{\"title\":\"Lost\",\"currency\":\"EUR\",\"goalMinor\":100000}");
        api.organizer("/api/campaigns/" + c + "/fundraisers/alice", "{\"displayName\":\"Alice\"}");
        api.donate(c, "lost-1", 1_000);
        assertThat(Eventually.await(PATIENCE, () -> api.raised(c), raised -> raised == 1_000)).isEqualTo(1_000);

        try (StreamClient ws = StreamClient.webSocket(port, c, null).awaitOpen()) {
            assertThat(ws.await(PATIENCE, m -> m.total("raisedMinor") == 1_000).type()).isEqualTo("snapshot");

            REDIS.flushAll();
            for (String path : List.of("/api/campaigns/" + c + "/totals", "/api/campaigns/" + c,
                    "/api/campaigns/" + c + "/leaderboards/fundraisers", "/api/campaigns/" + c + "/fundraisers/alice",
                    "/api/campaigns/" + c + "/feed")) {
                http.get().uri(path).exchange().expectStatus().isEqualTo(503)
                        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                        .expectHeader().exists("Retry-After");
            }
            api.donate(c, "lost-2", 500);
            api.organizer("/api/campaigns/" + c + "/fundraisers/bob", "{\"displayName\":\"Bob\"}");
            http.get().uri("/api/campaigns/" + c + "/totals").exchange().expectStatus().isEqualTo(503);

            api.organizer("/api/campaigns/fresh", "{\"title\":\"Fresh\",\"currency\":\"EUR\",\"goalMinor\":100}");
            assertThat(api.raised("fresh")).as("a campaign created meanwhile is exact at zero").isZero();

            http.post().uri("/api/admin/rebuild").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).exchange()
                    .expectStatus().isOk().expectBody().jsonPath("$.campaigns").isEqualTo(2)
                    .jsonPath("$.events").isEqualTo(2);
            assertThat(api.raised(c)).isEqualTo(1_500);
            http.get().uri("/api/campaigns/" + c + "/leaderboards/fundraisers").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.entries[0].id").isEqualTo("alice")
                    .jsonPath("$.entries[0].score").isEqualTo(1_500).jsonPath("$.entries[1].id").isEqualTo("bob");

            ws.await(PATIENCE, m -> m.total("raisedMinor") == 1_500);
            List<Received> all = ws.all();
            assertThat(all).extracting(m -> m.total("raisedMinor")).as("the shown total never falls").isSorted()
                    .allMatch(raised -> raised >= 1_000);
            // The gifts applied after the rebuild reach the stream as usual.
            api.donate(c, "lost-3", 250);
            ws.await(PATIENCE, m -> m.total("raisedMinor") == 1_750);
        }
    }
}
