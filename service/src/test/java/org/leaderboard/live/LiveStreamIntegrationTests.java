package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.live.StreamClient.Received;
import org.leaderboard.support.Eventually;
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
import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.publisher.Flux;

/**
 * The live streams against the real service, PostgreSQL and Redis, with real WebSocket and SSE
 * clients: snapshot then gap-free updates within a second of an accepted gift, the same messages
 * over both transports, a burst conflated into a handful of updates, and the handshake's refusals.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "leaderboard.stream.allowed-origins=https://screen.example, https://Partner.example/",
        "leaderboard.stream.refresh-interval=1h" })
class LiveStreamIntegrationTests {

    static final String DB = "lbt_live_stream";
    static final int REDIS_DB = 13;
    static final Duration SECOND = Duration.ofSeconds(1);
    static final Duration PATIENCE = Duration.ofSeconds(10);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
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
    void snapshotThenEachGiftAsAnUpdateWithinASecondOverBothTransports() {
        campaign("ls-night");
        fundraiser("ls-night", "alice", "Alice");
        fundraiser("ls-night", "bob", "Bob");
        try (StreamClient ws = StreamClient.webSocket(port, "ls-night", null).awaitOpen();
                StreamClient sse = StreamClient.sse(port, "ls-night")) {
            Received snapshot = ws.next(PATIENCE);
            assertThat(snapshot.type()).isEqualTo("snapshot");
            assertThat(snapshot.total("raisedMinor")).isZero();
            assertThat(snapshot.totals()).containsEntry("campaignId", "ls-night").containsEntry("currency", "EUR");
            assertThat(snapshot.leaderboards()).containsOnlyKeys("fundraisers", "teams", "sharers", "trending", "referrals");
            assertThat(snapshot.leaderboards().get("fundraisers")).extracting(e -> e.get("id"))
                    .containsExactly("alice", "bob");
            assertThat(snapshot.feed()).isEmpty();
            Received sseSnapshot = sse.next(PATIENCE);
            assertThat(sseSnapshot.type()).isEqualTo("snapshot");

            long accepted = donate("ls-night", "ls-pay-1", "bob", 2500, "Chloé", false, "Allez !");
            Received update = ws.next(PATIENCE);
            assertThat(update.type()).isEqualTo("update");
            assertThat(update.seq()).as("gap-free").isEqualTo(snapshot.seq() + 1);
            assertThat(Duration.ofNanos(update.atNanos() - accepted)).as("accept to update").isLessThan(SECOND);
            assertThat(update.total("raisedMinor")).isEqualTo(2500);
            assertThat(update.total("donationCount")).isEqualTo(1);
            assertThat(update.leaderboards().get("fundraisers")).first()
                    .isEqualTo(Map.of("rank", 1, "id", "bob", "name", "Bob", "score", 2500));
            assertThat(update.leaderboards()).as("only changed boards").containsOnlyKeys("fundraisers", "trending");
            assertThat(update.feed()).singleElement().satisfies(entry -> assertThat(entry)
                    .containsEntry("eventId", "ls-pay-1").containsEntry("name", "Chloé")
                    .containsEntry("amountMinor", 2500).containsEntry("message", "Allez !")
                    .containsEntry("fundraiserId", "bob"));

            Received sseUpdate = sse.await(PATIENCE, m -> m.total("raisedMinor") == 2500);
            assertThat(sseUpdate.type()).isEqualTo("update");
            assertThat(sseUpdate.seq()).isEqualTo(sseSnapshot.seq() + 1);
            assertThat(sseUpdate.text()).as("the same message, serialized once").isEqualTo(update.text());

            long second = donate("ls-night", "ls-pay-2", "alice", 100, "Dan", true, null);
            Received next = ws.next(PATIENCE);
            assertThat(next.seq()).isEqualTo(update.seq() + 1);
            assertThat(Duration.ofNanos(next.atNanos() - second)).isLessThan(SECOND);
            assertThat(next.total("raisedMinor")).isEqualTo(2600);
            assertThat(next.feed()).singleElement().satisfies(entry -> assertThat(entry)
                    .containsEntry("eventId", "ls-pay-2").containsEntry("name", null));
            assertThat(next.leaderboards().get("fundraisers")).extracting(e -> e.get("id"))
                    .containsExactly("bob", "alice");
            assertThat(sse.await(PATIENCE, m -> m.seq() == sseUpdate.seq() + 1).text()).isEqualTo(next.text());

            try (StreamClient late = StreamClient.webSocket(port, "ls-night", null).awaitOpen()) {
                Received joined = late.next(PATIENCE);
                assertThat(joined.type()).isEqualTo("snapshot");
                assertThat(joined.seq()).isEqualTo(next.seq());
                assertThat(joined.total("raisedMinor")).isEqualTo(2600);
                assertThat(joined.feed()).extracting(e -> e.get("eventId")).containsExactly("ls-pay-2", "ls-pay-1");
            }
        }
        // The campaign's shared stream (ticker, pub/sub subscription) stops with its last client.
        assertThat(Eventually.await(PATIENCE, () -> gauge("leaderboard.push.campaigns"), n -> n == 0)).isZero();
        assertThat(gauge("leaderboard.push.sessions")).isZero();
        assertThat(registry.get("leaderboard.push.lag").timer().count()).as("push lag recorded").isPositive();
    }

    @Test
    void aBurstOfAThousandGiftsArrivesAsAHandfulOfGapFreeUpdatesReadAndSerializedOnceForAllClients() {
        campaign("ls-burst");
        for (int f = 0; f < 20; f++) {
            fundraiser("ls-burst", "f" + f, "Fundraiser " + f);
        }
        List<StreamClient> clients = new ArrayList<>();
        try {
            for (int c = 0; c < 20; c++) {
                clients.add(StreamClient.webSocket(port, "ls-burst", null).awaitOpen());
            }
            List<Received> snapshots = clients.stream().map(client -> client.next(PATIENCE)).toList();
            double readsBefore = registry.get("leaderboard.push.reads").counter().count();
            long started = System.nanoTime();
            long sum = 0;
            List<List<String>> batches = new ArrayList<>();
            for (int b = 0; b < 10; b++) {
                List<String> batch = new ArrayList<>();
                for (int i = b * 100; i < (b + 1) * 100; i++) {
                    sum += 100 + i;
                    batch.add(donationJson("ls-burst", "lb-" + i, "f" + (i % 20), 100 + i, "Donor " + i, false,
                            null));
                }
                batches.add(batch);
            }
            Flux.fromIterable(batches).flatMap(events -> http.post().uri("/api/events/batch")
                    .headers(h -> h.setBearerAuth(INGEST_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("[" + String.join(",", events) + "]").exchange().returnResult(String.class)
                    .getResponseBody().then(), 4).blockLast(PATIENCE);
            long total = sum;
            List<Received> lasts = clients.stream()
                    .map(client -> client.await(PATIENCE, m -> m.total("raisedMinor") == total)).toList();
            long ticks = Duration.ofNanos(lasts.get(0).atNanos() - started).toMillis() / 100 + 1;
            double reads = registry.get("leaderboard.push.reads").counter().count() - readsBefore;

            Map<Long, String> textBySeq = new HashMap<>();
            for (int c = 0; c < clients.size(); c++) {
                List<Received> messages = clients.get(c).all();
                long seq = snapshots.get(c).seq();
                for (Received m : messages.subList(1, messages.size())) {
                    assertThat(m.type()).isEqualTo("update");
                    assertThat(m.seq()).as("gap-free").isEqualTo(++seq);
                    assertThat(m.feed() == null ? 0 : m.feed().size()).as("new feed entries, capped")
                            .isLessThanOrEqualTo(20);
                    String first = textBySeq.putIfAbsent(m.seq(), m.text());
                    assertThat(first == null ? m.text() : first).as("every client gets the same update " + m.seq())
                            .isEqualTo(m.text());
                }
                int updates = messages.size() - 1;
                assertThat(updates).as("at most one update per 100 ms tick").isLessThanOrEqualTo((int) ticks + 1)
                        .isLessThan(40);
                assertThat(lasts.get(c).total("donationCount")).isEqualTo(1000);
            }
            assertThat(reads).as("Redis read once per tick for all 20 clients").isLessThanOrEqualTo(ticks + 1);
        }
        finally {
            clients.forEach(StreamClient::close);
        }
    }

    @Test
    void handshakeRefusalsAreProblemsBeforeTheUpgrade() {
        campaign("ls-gate");
        http.get().uri("/ws/campaigns/ls-gate").header(HttpHeaders.ORIGIN, "https://evil.example")
                .header(HttpHeaders.UPGRADE, "websocket").header(HttpHeaders.CONNECTION, "Upgrade")
                .header("Sec-WebSocket-Version", "13").header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .exchange().expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/origin-not-allowed");
        assertThatThrownBy(() -> StreamClient.webSocket(port, "ls-gate", "https://evil.example").awaitOpen())
                .hasMessageContaining("403");
        http.get().uri("/ws/campaigns/ls-nowhere").exchange().expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/not-found");
        http.get().uri("/ws/campaigns/ls-gate").exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        http.get().uri("/api/campaigns/ls-nowhere/stream").accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isNotFound().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);

        for (String origin : new String[] { "https://screen.example", "https://partner.example",
                "http://127.0.0.1:" + port }) {
            try (StreamClient allowed = StreamClient.webSocket(port, "ls-gate", origin).awaitOpen()) {
                assertThat(allowed.next(PATIENCE).type()).as(origin).isEqualTo("snapshot");
            }
        }
    }

    @Test
    void aClientThatSendsAMessageIsClosedAsAPolicyViolation() {
        campaign("ls-quiet");
        try (StreamClient ws = StreamClient.webSocket(port, "ls-quiet", null).awaitOpen()) {
            assertThat(ws.next(PATIENCE).type()).isEqualTo("snapshot");
            ws.sendText("{\"subscribe\":\"everything\"}");
            CloseStatus status = ws.awaitClose(PATIENCE);
            assertThat(status).isNotNull();
            assertThat(status.getCode()).isEqualTo(CloseStatus.POLICY_VIOLATION.getCode());
        }
        try (StreamClient ws = StreamClient.webSocket(port, "ls-quiet", null).awaitOpen()) {
            assertThat(ws.next(PATIENCE).type()).isEqualTo("snapshot");
            ws.sendText("x".repeat(4096));
            CloseStatus status = ws.awaitClose(PATIENCE);
            assertThat(status).as("a frame over the inbound limit").isNotNull();
            assertThat(status.getCode()).isEqualTo(CloseStatus.TOO_BIG_TO_PROCESS.getCode());
        }
    }

    // ---- helpers

    double gauge(String name) {
        return registry.find(name).gauges().stream().mapToDouble(g -> g.value()).sum();
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

    /** Posts one donation; answers System.nanoTime() when it was accepted. */
    long donate(String campaignId, String eventId, String fundraiserId, long amount, String donor, boolean anonymous,
            String message) {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(donationJson(campaignId, eventId, fundraiserId, amount, donor, anonymous, message))
                .exchange().expectStatus().isAccepted();
        return System.nanoTime();
    }

    static String donationJson(String campaignId, String eventId, String fundraiserId, long amount, String donor,
            boolean anonymous, String message) {
        return "{\"type\":\"donation\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"" + campaignId
                + "\"" + (fundraiserId == null ? "" : ",\"fundraiserId\":\"" + fundraiserId + "\"")
                + ",\"amountMinor\":" + amount
                + ",\"currency\":\"EUR\",\"donorName\":\"" + donor + "\",\"anonymous\":" + anonymous
                + (message == null ? "" : ",\"message\":\"" + message + "\"") + "}";
    }
}
