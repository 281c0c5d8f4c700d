package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
 * The viral mechanics on the live streams of two instances that both apply and both serve, on one
 * ledger and one Redis: a milestone crossed by gifts posted to both at once is announced in
 * exactly one update of every stream (WebSocket and SSE, on either instance) and recorded once;
 * pledge and match figures move live; a message hidden by moderation leaves every open stream at
 * once (a {@code feedReplaced} update) while the money stays counted.
 */
class LiveStreamViralIntegrationTests {

    static final String DB = "lbt_live_viral";
    static final int REDIS_DB = 5;
    static final Duration PATIENCE = Duration.ofSeconds(10);

    @Test
    void aMilestoneIsAnnouncedOnceOnEveryStreamAndAHiddenMessageLeavesThemAllAtOnce() {
        RedisDatabases.flush(REDIS_DB);
        String[] common = arguments();
        try (ConfigurableApplicationContext a = application().run(common);
                ConfigurableApplicationContext b = application().run(common)) {
            WebTestClient httpA = client(a);
            WebTestClient httpB = client(b);
            organizer(httpA, "/api/campaigns/vx-night", """
                    {"title":"Night","currency":"EUR","goalMinor":500000}""");
            organizer(httpA, "/api/campaigns/vx-night/fundraisers/ana", """
                    {"displayName":"Ana"}""");
            organizer(httpA, "/api/campaigns/vx-night/milestones/first", """
                    {"metric":"raisedMinor","threshold":10000,"label":"First hundred"}""");
            organizer(httpB, "/api/campaigns/vx-night/pledges/food", """
                    {"sponsor":"FoodCo","perShareMinor":50,"capMinor":100000}""");
            Instant now = Instant.now();
            organizer(httpB, "/api/campaigns/vx-night/matches/bank", """
                    {"sponsor":"Bank","ratio":1,"capMinor":2500,"startsAt":"%s","endsAt":"%s"}"""
                    .formatted(now.minusSeconds(60), now.plusSeconds(3600)));

            try (StreamClient onA = StreamClient.webSocket(port(a), "vx-night", null).awaitOpen();
                    StreamClient onB = StreamClient.webSocket(port(b), "vx-night", null).awaitOpen();
                    StreamClient sseB = StreamClient.sse(port(b), "vx-night")) {
                Received snapshot = onA.await(PATIENCE, m -> m.type().equals("snapshot"));
                assertThat(list(snapshot, "milestones")).singleElement()
                        .satisfies(m -> assertThat(m).containsEntry("id", "first").containsEntry("reachedAt", null));
                assertThat(list(snapshot, "pledges")).hasSize(1);
                assertThat(list(snapshot, "matches")).singleElement()
                        .satisfies(m -> assertThat(m).containsEntry("remainingMinor", 2500));

                // 40 gifts of 300 (12,000 in all) posted to both instances at once cross the milestone.
                List<CompletableFuture<Void>> posts = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    WebTestClient http = i % 2 == 0 ? httpA : httpB;
                    String json = LiveStreamIntegrationTests.donationJson("vx-night", "vx-pay-" + i, "ana", 300,
                            "Donor", false, null);
                    posts.add(CompletableFuture.runAsync(() -> http.post().uri("/api/events")
                            .headers(h -> h.setBearerAuth(INGEST_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json).exchange().expectStatus().isAccepted()));
                }
                CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).join();
                for (StreamClient stream : List.of(onA, onB, sseB)) {
                    Received last = stream.await(PATIENCE, m -> m.total("raisedMinor") == 12000
                            && m.total("sponsorMinor") == 2500);
                    assertThat(last.total("grandTotalMinor")).isEqualTo(14500);
                }
                share(httpB, "vx-share-1");
                for (StreamClient stream : List.of(onA, onB, sseB)) {
                    Received shared = stream.await(PATIENCE, m -> m.json().containsKey("pledges"));
                    assertThat(list(shared, "pledges").get(0)).containsEntry("earnedMinor", 50);
                    assertThat(shared.total("sponsorMinor")).isEqualTo(2550);
                }
                for (StreamClient stream : List.of(onA, onB, sseB)) {
                    List<Received> announcing = stream.all().stream()
                            .filter(m -> m.type().equals("update") && m.json().containsKey("milestones")).toList();
                    assertThat(announcing).as("announced in exactly one update").singleElement()
                            .satisfies(m -> assertThat(list(m, "milestones")).singleElement()
                                    .satisfies(ms -> assertThat(ms.get("reachedAt")).isNotNull()));
                }

                // Moderation, on A: every stream, on either instance, drops the message at once.
                httpB.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(LiveStreamIntegrationTests.donationJson("vx-night", "vx-rude", "ana", 100, "Donor",
                                false, "Something rude"))
                        .exchange().expectStatus().isAccepted();
                for (StreamClient stream : List.of(onA, onB, sseB)) {
                    stream.await(PATIENCE, m -> m.total("raisedMinor") == 12100);
                }
                httpA.post().uri("/api/campaigns/vx-night/feed/vx-rude/hide")
                        .headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).exchange().expectStatus().isOk();
                long hidden = System.nanoTime();
                for (StreamClient stream : List.of(onA, onB, sseB)) {
                    Received replaced = stream.await(PATIENCE, m -> Boolean.TRUE.equals(m.json().get("feedReplaced")));
                    assertThat(Duration.ofNanos(replaced.atNanos() - hidden)).isLessThan(Duration.ofSeconds(1));
                    assertThat(list(replaced, "feed")).anySatisfy(e -> assertThat(e)
                            .containsEntry("eventId", "vx-rude").doesNotContainKey("message"));
                    assertThat(replaced.total("raisedMinor")).as("the money stays counted").isEqualTo(12100);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Received message, String field) {
        return (List<Map<String, Object>>) message.json().get(field);
    }

    private static void share(WebTestClient http, String eventId) {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"type\":\"share\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"vx-night\","
                        + "\"fundraiserId\":\"ana\",\"channel\":\"x\",\"visitorId\":\"v-1\"}")
                .exchange().expectStatus().isAccepted();
    }

    private static void organizer(WebTestClient http, String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isCreated();
    }

    private static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(LeaderboardApplication.class).main(LeaderboardApplication.class);
    }

    private static String[] arguments() {
        Map<String, Object> properties = new LinkedHashMap<>();
        TestServices.isolate((name, value) -> properties.put(name, value.get()), DB, REDIS_DB);
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0",
                "--spring.main.banner-mode=off", "--leaderboard.read.max-age=0s"));
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args.toArray(String[]::new);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    private static WebTestClient client(ConfigurableApplicationContext context) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port(context))
                .responseTimeout(Duration.ofSeconds(15)).build();
    }
}
