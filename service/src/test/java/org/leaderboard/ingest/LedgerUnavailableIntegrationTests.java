package org.leaderboard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.TcpProxy;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ingest API when PostgreSQL is gone or stalls (through a {@link TcpProxy}): it answers 503
 * with Retry-After, never a false {@code accepted}, and recovers by itself when the database returns.
 */
// The live applier is off: its own transactions through the same proxy would race the test for
// the request after which the proxy pauses replies (ledger durability is what is tested here).
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "leaderboard.live.apply-enabled=false")
@AutoConfigureWebTestClient
@DirtiesContext
class LedgerUnavailableIntegrationTests {

    private static final String DB = "lbt_ledger_unavailable";
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(4);
    private static final int QUEUE_CAPACITY = 8;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AtomicInteger PROBES = new AtomicInteger();
    private static TcpProxy proxy;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        proxy = TcpProxy.toPostgres().start();
        TestServices.isolate(registry, DB, 5, proxy.port());
        registry.add("leaderboard.ingest.queue-capacity", () -> QUEUE_CAPACITY);
        registry.add("leaderboard.ingest.max-batch-events", () -> QUEUE_CAPACITY);
        registry.add("leaderboard.ingest.max-concurrent-commits", () -> 1);
        registry.add("leaderboard.ingest.commit-timeout", () -> COMMIT_TIMEOUT.toMillis() + "ms");
    }

    @AfterAll
    static void closeProxy() {
        proxy.close();
    }

    @Autowired
    WebTestClient http;

    @LocalManagementPort
    int managementPort;

    @LocalServerPort
    int port;

    @BeforeEach
    void campaign() {
        http = http.mutate().responseTimeout(Duration.ofSeconds(30)).build();
        organizer("/api/campaigns/night-run", """
                {"title":"Night run","currency":"EUR","goalMinor":1000000}""");
        organizer("/api/campaigns/night-run/fundraisers/alice", """
                {"displayName":"Alice"}""");
    }

    @AfterEach
    void restoreDatabase() {
        proxy.resume();
        proxy.start();
        awaitAccepting();
    }

    @Test
    void unreachableDatabaseAnswers503AndRecordsNothing() throws SQLException {
        proxy.stop();
        post("/api/events", donation("down-1", 2500))
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/unavailable");
        post("/api/events/batch", "[" + donation("down-2", 1000) + "," + share("down-3") + "]")
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.type").isEqualTo("/problems/unavailable");
        assertThat(ledgerCounts(List.of("down-1", "down-2", "down-3")))
                .as("events answered 503 while the database was unreachable must not be in the ledger").isEmpty();
        http.put().uri("/api/campaigns/down-run").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"title\":\"Down\",\"currency\":\"EUR\",\"goalMinor\":100}").exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.type").isEqualTo("/problems/unavailable");

        proxy.start();
        awaitAccepting();
        post("/api/events", donation("down-1", 2500)).expectStatus().isAccepted()
                .expectBody().jsonPath("$.status").isEqualTo("accepted");
        post("/api/events", donation("down-1", 2500)).expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("duplicate");
        post("/api/events/batch", "[" + donation("down-2", 1000) + "," + share("down-3") + "]")
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.results[0].status").isEqualTo("accepted")
                .jsonPath("$.results[1].status").isEqualTo("accepted");
        assertThat(ledgerCounts(List.of("down-1", "down-2", "down-3")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("down-1", 1, "down-2", 1, "down-3", 1));
    }

    @Test
    void stalledDatabaseRefusesWhatDoesNotFitAtOnceAndLosesNoAcceptedEvent() throws Exception {
        List<String> ids = IntStream.range(0, 20).mapToObj(i -> "stall-" + i).toList();
        WebClient client = WebClient.create("http://127.0.0.1:" + port);
        Queue<Answer> seen = new ConcurrentLinkedQueue<>();
        proxy.pause();
        CompletableFuture<List<Answer>> all = Flux.fromIterable(ids)
                .flatMap(id -> timedPost(client, id), ids.size())
                .doOnNext(seen::add)
                .collectList()
                .toFuture();
        await("a queue-full 503 while the database stalls").atMost(COMMIT_TIMEOUT)
                .until(() -> seen.stream().anyMatch(Answer::queueFull));
        await("the stalled commit to fail").atMost(COMMIT_TIMEOUT.plusSeconds(5))
                .until(() -> seen.stream().anyMatch(a -> a.status() == 503 && !a.queueFull()));
        assertThat(seen).as("nothing can be accepted while the database stalls")
                .allSatisfy(answer -> assertThat(answer.status()).isEqualTo(503));
        proxy.resume();
        List<Answer> answers = all.get(30, TimeUnit.SECONDS);

        List<String> accepted = answers.stream().filter(a -> a.status() == 202).map(Answer::id).toList();
        List<String> queueFull = answers.stream().filter(Answer::queueFull).map(Answer::id).toList();
        for (Answer answer : answers) {
            if (answer.status() == 202) {
                assertThat(answer.json().path("status").asString()).as(answer.toString()).isEqualTo("accepted");
                continue;
            }
            assertThat(answer.status()).as("only 202 or 503 are possible: %s", answer).isEqualTo(503);
            assertThat(answer.retryAfter()).as("503 without Retry-After: %s", answer).isNotBlank();
            assertThat(answer.json().path("type").asString()).as(answer.toString()).isEqualTo("/problems/unavailable");
            if (answer.queueFull()) {
                assertThat(answer.millis()).as("a full queue must refuse at once, well before the commit timeout: %s",
                        answer).isLessThan(COMMIT_TIMEOUT.toMillis() / 2);
            }
            else {
                assertThat(answer.millis()).as("a queued event waits for at most one commit, then its own: %s",
                        answer).isLessThan(2 * COMMIT_TIMEOUT.toMillis() + 2000);
            }
        }
        assertThat(queueFull).as("20 concurrent events cannot fit a queue of %d behind one stalled commit",
                QUEUE_CAPACITY).isNotEmpty();
        Map<String, Integer> ledger = ledgerCounts(ids);
        assertThat(ledger).as("every accepted event is in the ledger exactly once")
                .containsAllEntriesOf(accepted.stream().collect(HashMap::new, (m, id) -> m.put(id, 1), Map::putAll));
        assertThat(ledger).as("no event refused with a full queue may be in the ledger").doesNotContainKeys(
                queueFull.toArray(String[]::new));

        for (String id : ids) {
            String status = post("/api/events", donation(id, 100)).expectBody(String.class)
                    .returnResult().getResponseBody();
            String expected = accepted.contains(id) ? "duplicate" : queueFull.contains(id) ? "accepted" : null;
            String actual = JSON.readTree(status).path("status").asString();
            if (expected != null) {
                assertThat(actual).as("retry of %s", id).isEqualTo(expected);
            }
            else {
                assertThat(actual).as("retry of %s, refused on commit timeout", id).isIn("accepted", "duplicate");
            }
        }
        assertThat(ledgerCounts(ids)).as("after the retries every event is in the ledger exactly once")
                .hasSize(ids.size()).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
    }

    @Test
    void lostCommitAcknowledgementAnswers503AndARetryAnswersDuplicate() throws SQLException {
        // A donation is written by one INSERT that commits by itself: the request that carries its
        // id is the one whose answer gets lost.
        proxy.pauseRepliesAfter("lost-ack-1");
        post("/api/events", donation("lost-ack-1", 1200))
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.type").isEqualTo("/problems/unavailable");
        assertThat(ledgerCounts(List.of("lost-ack-1"))).as("PostgreSQL committed the event; only its reply was lost")
                .containsExactlyEntriesOf(Map.of("lost-ack-1", 1));
        proxy.resume();
        awaitAccepting();
        post("/api/events", donation("lost-ack-1", 1200)).expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("duplicate");
    }

    @Test
    void lostCommitAcknowledgementOfARefundAnswers503AndARetryAnswersDuplicate() throws SQLException {
        post("/api/events", donation("lost-ack-gift", 5000)).expectStatus().isAccepted();
        // A refund is written in a transaction (it locks its donation): its COMMIT is what gets lost.
        proxy.pauseRepliesAfter("COMMIT");
        post("/api/events", refund("lost-ack-refund", "lost-ack-gift", 2000))
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.type").isEqualTo("/problems/unavailable");
        assertThat(ledgerCounts(List.of("lost-ack-refund"))).as("PostgreSQL committed the refund; only its reply "
                + "was lost").containsExactlyEntriesOf(Map.of("lost-ack-refund", 1));
        proxy.resume();
        awaitAccepting();
        post("/api/events", refund("lost-ack-refund", "lost-ack-gift", 2000)).expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("duplicate");
    }

    @Test
    void healthIsDownWhileTheDatabaseIsGone() {
        proxy.stop();
        await("r2dbc health DOWN").atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            EntityExchangeResult<String> health = health();
            assertThat(health.getStatus().value()).as(health.getResponseBody()).isEqualTo(503);
            assertThat(JSON.readTree(health.getResponseBody()).path("components").path("r2dbc").path("status")
                    .asString()).isEqualTo("DOWN");
        });
        proxy.start();
        await("r2dbc health UP").atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            EntityExchangeResult<String> health = health();
            assertThat(JSON.readTree(health.getResponseBody()).path("components").path("r2dbc").path("status")
                    .asString()).as(health.getResponseBody()).isEqualTo("UP");
        });
    }

    /** Waits until a fresh event is accepted: the service writes to the ledger again. */
    private void awaitAccepting() {
        await("the service accepts events again").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> post("/api/events", share("probe-" + PROBES.incrementAndGet()))
                        .returnResult(String.class).getStatus().value() == 202);
    }

    private EntityExchangeResult<String> health() {
        return management().get().uri("/actuator/health").exchange().expectBody(String.class).returnResult();
    }

    private void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }

    private WebTestClient.ResponseSpec post(String path, String body) {
        return http.post().uri(path).headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private static Mono<Answer> timedPost(WebClient client, String id) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return client.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(donation(id, 100))
                    .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("")
                            .map(body -> new Answer(id, response.statusCode().value(),
                                    response.headers().asHttpHeaders().getFirst("Retry-After"), body,
                                    (System.nanoTime() - start) / 1_000_000)));
        });
    }

    private static String donation(String id, long amountMinor) {
        return """
                {"type":"donation","eventId":"%s","campaignId":"night-run","fundraiserId":"alice",\
                "amountMinor":%d,"currency":"EUR"}""".formatted(id, amountMinor);
    }

    private static String refund(String id, String donationId, long amountMinor) {
        return """
                {"type":"refund","eventId":"%s","campaignId":"night-run","donationEventId":"%s",\
                "amountMinor":%d}""".formatted(id, donationId, amountMinor);
    }

    private static String share(String id) {
        return """
                {"type":"share","eventId":"%s","campaignId":"night-run","fundraiserId":"alice",\
                "channel":"link","visitorId":"v-1"}""".formatted(id);
    }

    /** Rows per event id in the ledger, read straight from PostgreSQL, not through the proxy. */
    private static Map<String, Integer> ledgerCounts(Collection<String> ids) throws SQLException {
        try (Connection connection = TestServices.jdbc(DB); PreparedStatement query = connection.prepareStatement(
                "select event_id, count(*) from ledger_events where event_id = any(?) group by event_id")) {
            query.setArray(1, connection.createArrayOf("text", ids.toArray()));
            Map<String, Integer> counts = new HashMap<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getInt(2));
                }
            }
            return counts;
        }
    }

    private record Answer(String id, int status, String retryAfter, String body, long millis) {

        JsonNode json() {
            return JSON.readTree(body);
        }

        boolean queueFull() {
            return status == 503 && body.contains("The ingest queue is full");
        }
    }

    /** Actuator answers on the management port only. */
    private WebTestClient management() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + managementPort).build();
    }
}
