package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.live.StreamClient.Received;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import reactor.core.publisher.Flux;

/**
 * A fundraiser page's stream ({@code ?fundraiser={f}}) against the real service, PostgreSQL and
 * Redis, with real WebSocket and SSE clients: the snapshot carries the fundraiser's standing, and
 * each update carries it exactly when it changed; the watchers of one fundraiser share one frame
 * per tick (the same bytes, gap-free seq, one read per tick whatever their number); the
 * campaign's own stream never carries a standing; an unknown fundraiser is 404 before the upgrade.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "leaderboard.stream.refresh-interval=1h")
class LiveStreamStandingIntegrationTests {

    static final Duration PATIENCE = Duration.ofSeconds(10);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_live_standing", LiveStreamIntegrationTests.REDIS_DB);
        RedisDatabases.flush(LiveStreamIntegrationTests.REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry registry;

    WebTestClient http;

    @BeforeEach
    void http() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
    }

    @Test
    void theStandingComesInTheSnapshotAndInEveryUpdateWhereItChangedOverBothTransports() {
        campaign("st-night");
        fundraiser("st-night", "alice", "Alice");
        fundraiser("st-night", "bob", "Bob");
        fundraiser("st-night", "carol", "Carol");
        try (StreamClient ws = StreamClient.fundraiserWebSocket(port, "st-night", "bob").awaitOpen();
                StreamClient sse = StreamClient.sse(port, "st-night", "bob");
                StreamClient plain = StreamClient.webSocket(port, "st-night", null).awaitOpen()) {
            Received snapshot = ws.next(PATIENCE);
            assertThat(snapshot.type()).isEqualTo("snapshot");
            assertThat(snapshot.standing()).isEqualTo(standing("bob", "Bob", 1, 0, 0, null));
            assertThat(snapshot.leaderboards()).containsOnlyKeys("fundraisers", "teams", "sharers", "trending", "referrals");
            assertThat(snapshot.total("raisedMinor")).isZero();
            assertThat(sse.next(PATIENCE).standing()).isEqualTo(snapshot.standing());
            assertThat(plain.next(PATIENCE).json()).as("the campaign's stream has no standing")
                    .doesNotContainKey("standing");

            donate("st-1", "alice", 1000);
            Received first = ws.next(PATIENCE);
            assertThat(first.seq()).isEqualTo(snapshot.seq() + 1);
            assertThat(first.standing()).isEqualTo(standing("bob", "Bob", 2, 0, 0, ahead("alice", "Alice", 1000, 1000)));

            donate("st-2", "alice", 500);
            Received second = ws.next(PATIENCE);
            assertThat(second.seq()).isEqualTo(first.seq() + 1);
            assertThat(second.standing()).as("the gap to the one ahead grew")
                    .isEqualTo(standing("bob", "Bob", 2, 0, 0, ahead("alice", "Alice", 1500, 1500)));

            donate("st-3", null, 700);
            Received unchanged = ws.next(PATIENCE);
            assertThat(unchanged.seq()).isEqualTo(second.seq() + 1);
            assertThat(unchanged.total("raisedMinor")).isEqualTo(2200);
            assertThat(unchanged.json()).as("a gift that leaves Bob where he stands").doesNotContainKey("standing");

            share("st-4", "bob");
            Received shared = ws.next(PATIENCE);
            assertThat(shared.standing()).isEqualTo(standing("bob", "Bob", 2, 0, 1, ahead("alice", "Alice", 1500, 1500)));

            donate("st-5", "bob", 2000);
            Received top = ws.next(PATIENCE);
            assertThat(top.seq()).isEqualTo(shared.seq() + 1);
            assertThat(top.standing()).isEqualTo(standing("bob", "Bob", 1, 2000, 1, null));

            List<Received> overWs = ws.all();
            List<Received> overSse = List.copyOf(sse.all());
            Received lastSse = sse.await(PATIENCE, m -> m.seq() == top.seq());
            assertThat(lastSse.text()).as("the same message over SSE, serialized once").isEqualTo(top.text());
            assertThat(plain.await(PATIENCE, m -> m.total("raisedMinor") == 4200).json())
                    .doesNotContainKey("standing");
            assertThat(plain.all()).noneMatch(m -> m.json().containsKey("standing"));
            assertThat(overWs).extracting(Received::seq).containsExactly(snapshot.seq(), first.seq(), second.seq(),
                    unchanged.seq(), shared.seq(), top.seq());
            assertThat(overSse).isNotEmpty();
        }
    }

    @Test
    void everyoneWatchingAFundraiserSharesOneFramePerTickReadOncePerTick() {
        campaign("st-burst");
        for (int f = 0; f < 10; f++) {
            fundraiser("st-burst", "f" + f, "Fundraiser " + f);
        }
        List<StreamClient> watchers = new ArrayList<>();
        try {
            for (int c = 0; c < 10; c++) {
                watchers.add(StreamClient.fundraiserWebSocket(port, "st-burst", "f3").awaitOpen());
            }
            List<Received> snapshots = watchers.stream().map(client -> client.next(PATIENCE)).toList();
            double readsBefore = registry.get("leaderboard.push.reads").counter().count();
            long started = System.nanoTime();
            long sum = 0;
            long f3 = 0;
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                sum += 100 + i;
                if (i % 10 == 3) {
                    f3 += 100 + i;
                }
                events.add(LiveStreamIntegrationTests.donationJson("st-burst", "sb-" + i, "f" + (i % 10), 100 + i,
                        "Donor " + i, false, null));
            }
            Flux.range(0, 5).flatMap(b -> http.post().uri("/api/events/batch")
                    .headers(h -> h.setBearerAuth(INGEST_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("[" + String.join(",", events.subList(b * 100, (b + 1) * 100)) + "]").exchange()
                    .returnResult(String.class).getResponseBody().then(), 2).blockLast(PATIENCE);
            long total = sum;
            long own = f3;
            List<Received> lasts = watchers.stream().map(client -> client.await(PATIENCE,
                    m -> m.total("raisedMinor") == total && m.seq() > 1)).toList();
            long ticks = Duration.ofNanos(lasts.get(0).atNanos() - started).toMillis() / 100 + 1;
            double reads = registry.get("leaderboard.push.reads").counter().count() - readsBefore;

            Map<Long, String> textBySeq = new HashMap<>();
            Map<String, Object> standing = snapshots.get(0).standing();
            for (int c = 0; c < watchers.size(); c++) {
                List<Received> messages = watchers.get(c).all();
                long seq = snapshots.get(c).seq();
                Map<String, Object> seen = snapshots.get(c).standing();
                for (Received m : messages.subList(1, messages.size())) {
                    assertThat(m.seq()).as("gap-free").isEqualTo(++seq);
                    String first = textBySeq.putIfAbsent(m.seq(), m.text());
                    assertThat(first == null ? m.text() : first).as("every watcher gets the same update " + m.seq())
                            .isEqualTo(m.text());
                    if (m.standing() != null) {
                        assertThat(m.standing()).as("sent only when it changed").isNotEqualTo(seen);
                        seen = m.standing();
                    }
                }
                assertThat(((Number) seen.get("raisedMinor")).longValue()).isEqualTo(own);
                standing = seen;
            }
            assertThat(standing).containsEntry("id", "f3").containsEntry("name", "Fundraiser 3");
            assertThat(reads).as("Redis read once per tick for all 10 watchers").isLessThanOrEqualTo(ticks + 1);
        }
        finally {
            watchers.forEach(StreamClient::close);
        }
    }

    @Test
    void anUnknownFundraiserIsNotFoundBeforeTheUpgrade() {
        campaign("st-gate");
        fundraiser("st-gate", "alice", "Alice");
        for (String f : new String[] { "nobody", "Bad_Id", "" }) {
            http.get().uri("/ws/campaigns/st-gate?fundraiser=" + f)
                    .header(HttpHeaders.UPGRADE, "websocket").header(HttpHeaders.CONNECTION, "Upgrade")
                    .header("Sec-WebSocket-Version", "13").header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                    .exchange().expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.type").isEqualTo("/problems/not-found");
            http.get().uri("/api/campaigns/st-gate/stream?fundraiser=" + f).accept(MediaType.TEXT_EVENT_STREAM)
                    .exchange().expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
        assertThatThrownBy(() -> StreamClient.fundraiserWebSocket(port, "st-gate", "nobody").awaitOpen())
                .hasMessageContaining("404");
        try (StreamClient ws = StreamClient.fundraiserWebSocket(port, "st-gate", "alice").awaitOpen()) {
            assertThat(ws.next(PATIENCE).standing()).containsEntry("id", "alice");
        }
    }

    // ---- helpers

    static Map<String, Object> standing(String id, String name, long rank, long raised, long shares,
            Map<String, Object> ahead) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("name", name);
        json.put("rank", (int) rank);
        json.put("raisedMinor", (int) raised);
        json.put("shareCount", (int) shares);
        json.put("ahead", ahead);
        json.put("referredMinor", 0);
        return json;
    }

    static Map<String, Object> ahead(String id, String name, long score, long gap) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("name", name);
        json.put("score", (int) score);
        json.put("gapMinor", (int) gap);
        return json;
    }

    void campaign(String id) {
        organizer("/api/campaigns/" + id, "{\"title\":\"Stream " + id + "\",\"currency\":\"EUR\",\"goalMinor\":100000}");
    }

    void fundraiser(String campaignId, String id, String name) {
        organizer("/api/campaigns/" + campaignId + "/fundraisers/" + id, "{\"displayName\":\"" + name + "\"}");
    }

    private void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }

    void donate(String eventId, String fundraiserId, long amount) {
        event(LiveStreamIntegrationTests.donationJson("st-night", eventId, fundraiserId, amount, "Donor", false, null));
    }

    void share(String eventId, String fundraiserId) {
        event("{\"type\":\"share\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"st-night\",\"fundraiserId\":\""
                + fundraiserId + "\",\"channel\":\"whatsapp\",\"visitorId\":\"v-1\"}");
    }

    private void event(String json) {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange().expectStatus().isAccepted();
    }
}
