package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.ArrayList;
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
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;


/**
 * Redis taken away and brought back empty, as a crash does, on a Redis server of the test's own:
 * while it is down public reads answer 503 problem+json with Retry-After (never 500), ingest keeps
 * accepting (the ledger is the truth), open streams stay open; once it is back, empty, reads
 * answer 503 or the exact figures (never zeros, never a part), and the streams resume with the
 * exact figures, their shown total never falling on the way.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // Every read goes to Redis: a shared answer from before the outage would hide it.
        properties = "leaderboard.read.max-age=0s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class RedisOutageIntegrationTests {

    static final Duration PATIENCE = Duration.ofSeconds(20);
    static final RedisServer REDIS = new RedisServer().start();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_redis_outage", REDIS);
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
    void readsAnswer503WhileRedisIsDownOrEmptyThenTheExactFiguresAndStreamsResume() {
        String c = "outage";
        api.organizer("/api/campaigns/" + c, "{\"title\":\"Outage\",\"currency\":\"EUR\",\"goalMinor\":100000}");
        api.organizer("/api/campaigns/" + c + "/fundraisers/alice", "{\"displayName\":\"Alice\"}");
        api.donate(c, "out-1", 1_000);
        assertThat(Eventually.await(PATIENCE, () -> api.raised(c), raised -> raised == 1_000)).isEqualTo(1_000);

        try (StreamClient ws = StreamClient.webSocket(port, c, null).awaitOpen();
                StreamClient sse = StreamClient.sse(port, c)) {
            assertThat(ws.await(PATIENCE, m -> m.total("raisedMinor") == 1_000).type()).isEqualTo("snapshot");
            assertThat(sse.await(PATIENCE, m -> m.total("raisedMinor") == 1_000).type()).isEqualTo("snapshot");

            REDIS.kill();
            for (String path : List.of("/api/campaigns/" + c + "/totals", "/api/campaigns/" + c,
                    "/api/campaigns/" + c + "/leaderboards/fundraisers", "/api/campaigns/" + c + "/leaderboards/trending",
                    "/api/campaigns/" + c + "/fundraisers/alice", "/api/campaigns/" + c + "/feed")) {
                http.get().uri(path).exchange().expectStatus().isEqualTo(503)
                        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                        .expectHeader().exists("Retry-After")
                        .expectBody().jsonPath("$.status").isEqualTo(503);
            }
            api.donate(c, "out-2", 500); // 202: the ledger takes it while Redis is down
            // A new campaign needs its live state set up: refused whole, nothing created.
            http.put().uri("/api/campaigns/later").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"title\":\"Later\",\"currency\":\"EUR\",\"goalMinor\":100}").exchange()
                    .expectStatus().isEqualTo(503).expectHeader().exists("Retry-After");

            REDIS.start(); // back, and empty
            List<String> answers = new ArrayList<>();
            Long exact = Eventually.await(PATIENCE, () -> {
                EntityExchangeResult<byte[]> result = http.get().uri("/api/campaigns/" + c + "/totals").exchange()
                        .expectBody().returnResult();
                int status = result.getStatus().value();
                Long raised = status == 200 ? PublicApi.raisedOf(result) : null;
                answers.add(status + (raised == null ? "" : " " + raised));
                return raised;
            }, raised -> raised != null);
            assertThat(exact).isEqualTo(1_500);
            http.get().uri("/api/campaigns/later").exchange().expectStatus().isNotFound();
            assertThat(answers).as("every answer once Redis is back: absent or exact").allMatch(
                    answer -> answer.equals("503") || answer.equals("200 1500"));

            for (StreamClient stream : List.of(ws, sse)) {
                stream.await(PATIENCE, m -> m.total("raisedMinor") == 1_500);
                List<Received> all = stream.all();
                assertThat(all).extracting(m -> m.total("raisedMinor")).as("the shown total never falls")
                        .isSorted().allMatch(raised -> raised >= 1_000);
                for (int i = 1; i < all.size(); i++) {
                    assertThat(all.get(i).seq()).as("no seq gap").isEqualTo(all.get(i - 1).seq() + 1);
                }
            }
        }
    }
}
