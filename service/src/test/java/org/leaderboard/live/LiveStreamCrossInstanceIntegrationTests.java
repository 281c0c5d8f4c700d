package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.leaderboard.LeaderboardApplication;
import org.leaderboard.live.StreamClient.Received;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Two instances on one ledger and one Redis: a gift accepted and applied by instance A reaches a
 * spectator connected to instance B within a second. B applies nothing and never refreshes on its
 * own here, so only A's change notice through Redis pub/sub can tell it.
 */
class LiveStreamCrossInstanceIntegrationTests {

    static final String DB = "lbt_live_cross";
    static final int REDIS_DB = 14;
    static final Duration PATIENCE = Duration.ofSeconds(10);

    @Test
    void aGiftAcceptedOnOneInstanceReachesAClientOfAnotherWithinASecond() {
        RedisDatabases.flush(REDIS_DB);
        String[] common = arguments();
        try (ConfigurableApplicationContext a = application().run(common);
                ConfigurableApplicationContext b = application().run(with(common,
                        "--leaderboard.live.apply-enabled=false", "--leaderboard.stream.refresh-interval=1h"))) {
            WebTestClient httpA = client(a);
            organizer(httpA, "/api/campaigns/lx-relay", """
                    {"title":"Relay","currency":"EUR","goalMinor":500000}""");
            organizer(httpA, "/api/campaigns/lx-relay/fundraisers/ana", """
                    {"displayName":"Ana"}""");

            try (StreamClient onB = StreamClient.webSocket(port(b), "lx-relay", null).awaitOpen()) {
                Received snapshot = onB.await(PATIENCE, m -> m.type().equals("snapshot")
                        && !m.leaderboards().get("fundraisers").isEmpty());
                assertThat(snapshot.total("raisedMinor")).isZero();

                for (int i = 1; i <= 3; i++) {
                    httpA.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(LiveStreamIntegrationTests.donationJson("lx-relay", "lx-pay-" + i, "ana",
                                    1000L * i, "Donor", false, null))
                            .exchange().expectStatus().isAccepted();
                    long accepted = System.nanoTime();
                    long expected = 1000L * i * (i + 1) / 2;
                    Received update = onB.await(PATIENCE, m -> m.total("raisedMinor") == expected);
                    assertThat(Duration.ofNanos(update.atNanos() - accepted)).as("gift %d, accepted on A, seen on B", i)
                            .isLessThan(Duration.ofSeconds(1));
                }

                organizer(httpA, "/api/campaigns/lx-relay/fundraisers/ana", """
                        {"displayName":"Ana the Swift"}""", 200);
                Received renamed = onB.await(PATIENCE, m -> m.leaderboards() != null
                        && m.leaderboards().containsKey("fundraisers"));
                assertThat(renamed.leaderboards().get("fundraisers").get(0)).containsEntry("name", "Ana the Swift");

                // A new goal lives in PostgreSQL only: B learns of it from A's notice, not from a
                // refresh (1 h here), and past its own one-second directory cache.
                organizer(httpA, "/api/campaigns/lx-relay", """
                        {"title":"Relay","currency":"EUR","goalMinor":750000}""", 200);
                long raised = System.nanoTime();
                Received newGoal = onB.await(PATIENCE, m -> m.total("goalMinor") == 750000);
                assertThat(Duration.ofNanos(newGoal.atNanos() - raised)).as("new goal saved on A, seen on B")
                        .isLessThan(Duration.ofSeconds(1));
                assertThat(newGoal.total("raisedMinor")).isEqualTo(6000);

                List<Received> all = onB.all();
                for (int i = 1; i < all.size(); i++) {
                    assertThat(all.get(i).seq()).as("gap-free on B").isEqualTo(all.get(i - 1).seq() + 1);
                }
            }
        }
    }

    private static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(LeaderboardApplication.class).main(LeaderboardApplication.class);
    }

    private static String[] arguments() {
        Map<String, Object> properties = new LinkedHashMap<>();
        TestServices.isolate((name, value) -> properties.put(name, value.get()), DB, REDIS_DB);
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0", "--spring.main.banner-mode=off"));
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args.toArray(String[]::new);
    }

    private static String[] with(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    private static WebTestClient client(ConfigurableApplicationContext context) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port(context))
                .responseTimeout(Duration.ofSeconds(15)).build();
    }

    private static void organizer(WebTestClient http, String path, String body) {
        organizer(http, path, body, 201);
    }

    private static void organizer(WebTestClient http, String path, String body, int status) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isEqualTo(status);
    }
}
