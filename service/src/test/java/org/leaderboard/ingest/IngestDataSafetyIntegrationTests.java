package org.leaderboard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.leaderboard.ledger.EventType;
import org.leaderboard.ledger.LedgerEvent;
import org.leaderboard.ledger.LedgerStore;
import org.leaderboard.ledger.WriteOutcome;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TcpProxy;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Input PostgreSQL cannot store is rejected at validation, naming the field, and never fails the
 * events committed beside it (ARCHITECTURE.md, invariant 10); a commit that times out keeps its
 * slot while its statement still runs in PostgreSQL.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "leaderboard.live.apply-enabled=false")
@AutoConfigureWebTestClient(timeout = "PT30S")
class IngestDataSafetyIntegrationTests {

    private static final String DB = "lbt_ingest_data_safety";
    private static final int REDIS_DB = 13;
    private static final Duration COMMIT_TIMEOUT = Duration.ofMillis(800);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static TcpProxy proxy;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        proxy = TcpProxy.toPostgres().start();
        RedisDatabases.flush(REDIS_DB);
        TestServices.isolate(registry, DB, REDIS_DB, proxy.port());
        registry.add("leaderboard.ingest.max-concurrent-commits", () -> 1);
        registry.add("leaderboard.ingest.commit-timeout", () -> COMMIT_TIMEOUT.toMillis() + "ms");
    }

    @AfterAll
    static void closeProxy() {
        proxy.close();
    }

    @Autowired
    WebTestClient http;

    @Autowired
    LedgerStore ledger;

    @LocalServerPort
    int port;

    private void campaign() {
        organizer("/api/campaigns/safe-run", "{\"title\":\"Safe\",\"currency\":\"EUR\",\"goalMinor\":100000}");
        organizer("/api/campaigns/safe-run/fundraisers/alice", "{\"displayName\":\"Alice\"}");
    }

    @Test
    void timestampsPostgresCannotStoreAreRejectedNamingTheField() {
        campaign();
        for (String at : List.of("0000-06-01T00:00:00Z", "+10000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                "9999-12-31T23:00:00-05:00", "+300000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z")) {
            post("/api/events", donation("ts-" + at, 100, ",\"occurredAt\":\"" + at + "\""))
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.type").isEqualTo("/problems/validation")
                    .jsonPath("$.errors.length()").isEqualTo(1)
                    .jsonPath("$.errors[0].field").isEqualTo("occurredAt");
        }
        post("/api/events", donation("ts-edge-low", 100, ",\"occurredAt\":\"0001-01-01T00:00:00Z\""))
                .expectStatus().isAccepted();
        post("/api/events", donation("ts-edge-high", 100, ",\"occurredAt\":\"9999-12-31T23:59:59Z\""))
                .expectStatus().isAccepted();
    }

    @Test
    void stringsPostgresCannotStoreAreRejectedNamingTheField() {
        campaign();
        post("/api/events", donation("nul-1", 100, ",\"donorName\":\"Ch\\u0000lo\""))
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("donorName");
        post("/api/events", donation("sur-1", 100, ",\"message\":\"Allez \\ud83c !\""))
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("message");
        post("/api/events", donation("sur-2", 100, ",\"donorName\":\"\\udc00\""))
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("donorName");
        post("/api/events", donation("pair-1", 100, ",\"message\":\"Allez \\ud83c\\udf89 !\""))
                .expectStatus().isAccepted();
        assertThat(ledgerCounts(List.of("nul-1", "sur-1", "sur-2", "pair-1"))).containsOnlyKeys("pair-1");
    }

    @Test
    void aBatchWithUnstorableEventsStillRecordsEveryValidOne() {
        campaign();
        List<String> events = new ArrayList<>();
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            String id = "mix-" + i;
            switch (i % 3) {
                case 0 -> events.add(donation(id, 100, ",\"occurredAt\":\"+10000-01-01T00:00:00Z\""));
                case 1 -> events.add(donation(id, 100, ",\"occurredAt\":\"0000-01-01T00:00:00Z\""));
                default -> {
                    events.add(donation(id, 100 + i, ""));
                    valid.add(id);
                }
            }
        }
        WebTestClient.BodyContentSpec body = post("/api/events/batch", "[" + String.join(",", events) + "]")
                .expectStatus().isOk().expectBody();
        for (int i = 0; i < 9; i++) {
            body.jsonPath("$.results[" + i + "].status").isEqualTo(i % 3 == 2 ? "accepted" : "rejected");
        }
        assertThat(ledgerCounts(events.stream().map(e -> JSON.readTree(e).path("eventId").asString()).toList()))
                .containsOnlyKeys(valid.toArray(String[]::new));
    }

    /**
     * Defence in depth: a group PostgreSQL refuses for one event's data (built here past the
     * validation, as a validation gap would let it through) is written again in parts, so every
     * other event is answered for itself, exactly once.
     */
    @Test
    void aGroupRefusedForOneEventsDataIsWrittenAgainWithoutIt() {
        campaign();
        GroupCommitter committer = new GroupCommitter(ledger::write, new IngestProperties(1000, 1000, 1, 250,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1), DataSize.ofKilobytes(64),
                DataSize.ofMegabytes(1), 1000),
                new IngestMetrics(new SimpleMeterRegistry()), Schedulers.parallel());
        List<LedgerEvent> group = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            group.add(gift("split-" + i, i == 5 ? Instant.parse("0000-01-01T00:00:00Z") : null,
                    i == 13 ? "Nul\u0000" : "Donor " + i));
        }
        group.add(gift("split-3", null, "Donor 3")); // a repeat inside the group stays a duplicate
        List<WriteOutcome> outcomes = committer.submit(group).block(Duration.ofSeconds(20));

        assertThat(outcomes).hasSize(21);
        for (int i = 0; i < 20; i++) {
            WriteOutcome outcome = outcomes.get(i);
            if (i == 5 || i == 13) {
                assertThat(outcome.status()).as(outcome.toString()).isEqualTo(WriteOutcome.Status.REJECTED);
                assertThat(outcome.problem().status().value()).isEqualTo(422);
            }
            else {
                assertThat(outcome.status()).as(outcome.toString()).isEqualTo(WriteOutcome.Status.ACCEPTED);
            }
        }
        assertThat(outcomes.get(20).status()).isEqualTo(WriteOutcome.Status.DUPLICATE);
        Map<String, Integer> counts = ledgerCounts(group.stream().map(LedgerEvent::eventId).toList());
        assertThat(counts).hasSize(18).doesNotContainKeys("split-5", "split-13")
                .allSatisfy((id, count) -> assertThat(count).isEqualTo(1));

        List<WriteOutcome> again = committer.submit(group).block(Duration.ofSeconds(20));
        assertThat(again.get(0).status()).as("a replay is answered duplicate, as always")
                .isEqualTo(WriteOutcome.Status.DUPLICATE);
        assertThat(ledgerCounts(group.stream().map(LedgerEvent::eventId).toList())).hasSize(18);
    }

    @Test
    void readPathsAnswer404ForIdsThatCannotExist() {
        campaign();
        for (String path : List.of("/api/campaigns/a%00b/totals", "/api/campaigns/a%00b",
                "/api/campaigns/a%00b/leaderboards/fundraisers", "/api/campaigns/a%00b/feed",
                "/api/campaigns/safe-run/fundraisers/a%00b", "/api/campaigns/a%00b/fundraisers/alice",
                "/api/campaigns/%ED%A0%80/totals", "/api/campaigns/a%00b/stream")) {
            http.get().uri(java.net.URI.create("http://127.0.0.1:" + port + path)).exchange()
                    .expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.type").isEqualTo("/problems/not-found");
        }
    }

    @Test
    void aCampaignEndingPastYear9999IsRejectedNamingEndsAt() {
        for (String endsAt : List.of("+300000-01-01T00:00:00Z", "+10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z")) {
            http.put().uri("/api/campaigns/far-run").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"title\":\"Far\",\"currency\":\"EUR\",\"goalMinor\":100,\"endsAt\":\"" + endsAt + "\"}")
                    .exchange()
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.errors.length()").isEqualTo(1)
                    .jsonPath("$.errors[0].field").isEqualTo("endsAt");
        }
        http.get().uri("/api/campaigns/far-run").exchange().expectStatus().isNotFound();
    }

    /**
     * A commit stalled in PostgreSQL (its INSERT waits on a table lock) answers 503 on its
     * timeout, but no other commit starts while its statement still runs: with
     * {@code max-concurrent-commits=1} at most one INSERT is running and the service sends
     * PostgreSQL nothing more (counted at the proxy). The work stays bounded: events answered 503
     * while they waited behind it are never written later (a commit abandoned on its timeout
     * used to leave its statement queued on the connection, to run once the lock was gone).
     */
    @Test
    void aTimedOutCommitKeepsItsSlotWhileItsStatementStillRuns() throws Exception {
        campaign();
        post("/api/events", donation("warm-1", 100, "")).expectStatus().isAccepted();
        WebClient client = WebClient.create("http://127.0.0.1:" + port);
        List<CompletableFuture<Integer>> more;
        try (Connection lock = TestServices.jdbc(DB)) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("lock table ledger_events in exclusive mode");
            }
            CompletableFuture<Integer> first = status(client, donation("slow-0", 100, ""));
            await("the first INSERT waits on the lock").atMost(Duration.ofSeconds(10))
                    .until(() -> runningInserts() == 1);
            assertThat(first.get(10, TimeUnit.SECONDS)).as("answered 503 on the commit timeout").isEqualTo(503);
            long sent = proxy.requestReads();
            more = IntStream.range(1, 4).mapToObj(i -> status(client, donation("slow-" + i, 100, ""))).toList();
            await("no commit starts beside the stalled one").during(COMMIT_TIMEOUT.multipliedBy(3))
                    .atMost(COMMIT_TIMEOUT.multipliedBy(4))
                    .until(() -> runningInserts() <= 1 && proxy.requestReads() == sent);
            for (CompletableFuture<Integer> answer : more) {
                assertThat(answer.get(10, TimeUnit.SECONDS)).as("answered 503 at twice the commit timeout")
                        .isEqualTo(503);
            }
            lock.rollback();
        }
        await("the stalled commit ends once the lock is gone").atMost(Duration.ofSeconds(10))
                .until(() -> ledgerCounts(List.of("slow-0")).size() == 1);
        // One commit at a time, in order: once this one is answered, nothing queued before it is left.
        post("/api/events", donation("after-1", 100, "")).expectStatus().isAccepted();
        assertThat(ledgerCounts(List.of("slow-1", "slow-2", "slow-3")))
                .as("events answered 503 while waiting behind the stalled commit are never written later").isEmpty();
        post("/api/events", donation("slow-0", 100, "")).expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("duplicate");
        for (int i = 1; i < 4; i++) {
            post("/api/events", donation("slow-" + i, 100, "")).expectStatus().isAccepted();
        }
        assertThat(ledgerCounts(List.of("slow-0", "slow-1", "slow-2", "slow-3"))).hasSize(4)
                .allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
    }

    private static int runningInserts() throws SQLException {
        try (Connection connection = TestServices.jdbc(DB); PreparedStatement query = connection.prepareStatement("""
                select count(*) from pg_stat_activity
                where datname = ? and state = 'active' and query ilike '%insert into ledger_events%'
                  and pid <> pg_backend_pid()""")) {
            query.setString(1, DB);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private static CompletableFuture<Integer> status(WebClient client, String body) {
        return client.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value()))
                .toFuture();
    }

    private static LedgerEvent gift(String id, Instant occurredAt, String donorName) {
        return new LedgerEvent(EventType.DONATION, id, "safe-run", "alice", 100L, "EUR", null, donorName, false, null,
                null, null, null, occurredAt, sha256(id + "/" + donorName + "/" + occurredAt));
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }

    private WebTestClient.ResponseSpec post(String path, String body) {
        return http.post().uri(path).headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private static String donation(String id, long amountMinor, String extra) {
        return """
                {"type":"donation","eventId":"%s","campaignId":"safe-run","fundraiserId":"alice",\
                "amountMinor":%d,"currency":"EUR"%s}""".formatted(id, amountMinor, extra);
    }

    private static Map<String, Integer> ledgerCounts(Collection<String> ids) {
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
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
