package org.leaderboard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An event id counts once, whatever the concurrency: replays answer duplicate, reuses with another
 * payload 409, refunds never add up past their donation, and a batch answers each event in order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class IngestIdempotencyIntegrationTests {

    static final String DB = "lbt_ingest_idempotency";

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, 3);
    }

    @Autowired
    WebTestClient http;

    @LocalManagementPort
    int managementPort;

    @LocalServerPort
    int port;

    @BeforeEach
    void campaign() {
        organizer("/api/campaigns/idem", "{\"title\":\"Idem\",\"currency\":\"EUR\",\"goalMinor\":100000}");
        organizer("/api/campaigns/idem/teams/red", "{\"name\":\"Red\"}");
        organizer("/api/campaigns/idem/fundraisers/alice", "{\"displayName\":\"Alice\",\"teamId\":\"red\"}");
        organizer("/api/campaigns/idem/fundraisers/bob", "{\"displayName\":\"Bob\"}");
    }

    private void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }

    private WebClient client() {
        return WebClient.builder().baseUrl("http://127.0.0.1:" + port)
                .defaultHeaders(h -> h.setBearerAuth(INGEST_TOKEN)).build();
    }

    /** Posts one event and answers "status code:status or problem type". */
    private Mono<String> postAsync(WebClient client, String body) {
        return client.post().uri("/api/events").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchangeToMono(response -> response.bodyToMono(Map.class).map(json -> response.statusCode().value()
                        + ":" + (json.containsKey("status") && json.get("status") instanceof String s ? s
                                : json.get("type"))));
    }

    private static String donation(String id, long amount) {
        return """
                {"type":"donation","eventId":"%s","campaignId":"idem","fundraiserId":"alice","amountMinor":%d,
                 "currency":"EUR","donorName":"Ana"}""".formatted(id, amount);
    }

    private static String refund(String id, String donation, long amount) {
        return """
                {"type":"refund","eventId":"%s","campaignId":"idem","donationEventId":"%s","amountMinor":%d}"""
                .formatted(id, donation, amount);
    }

    @Test
    void twentyConcurrentPostsOfOneEventMakeOneRow() {
        WebClient client = client();
        List<String> answers = Flux.range(0, 20)
                .flatMap(i -> postAsync(client, donation("same-1", 2500)), 20)
                .collectList().block();
        assertThat(answers).hasSize(20);
        assertThat(answers).filteredOn("202:accepted"::equals).hasSize(1);
        assertThat(answers).filteredOn("200:duplicate"::equals).hasSize(19);
        assertThat(rows("same-1")).isEqualTo(1);
    }

    @Test
    void sameIdWithAnotherPayloadIsAConflict() {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(donation("conf-1", 2500)).exchange()
                .expectStatus().isAccepted()
                .expectBody().jsonPath("$.eventId").isEqualTo("conf-1").jsonPath("$.status").isEqualTo("accepted");
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(donation("conf-1", 2600)).exchange()
                .expectStatus().isEqualTo(409)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/event-id-conflict");
        // the same payload written differently is the same event
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("""
                        {"currency":"EUR","amountMinor":2500,"donorName":"  Ana ","fundraiserId":"alice",
                         "campaignId":"idem","eventId":"conf-1","type":"donation","anonymous":false}""").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("duplicate");
        assertThat(amountOf("conf-1")).isEqualTo(2500);
    }

    @Test
    void concurrentPartialRefundsNeverExceedTheDonation() {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(donation("big-gift", 10_000)).exchange()
                .expectStatus().isAccepted();
        WebClient client = client();
        Flux<String> singles = Flux.range(0, 30).flatMap(i -> postAsync(client, refund("rf-" + i, "big-gift", 700)),
                30);
        Flux<String> batches = Flux.range(0, 4).flatMap(b -> {
            StringBuilder ndjson = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                ndjson.append(refund("rfb-" + b + "-" + i, "big-gift", 700).replace("\n", "")).append('\n');
            }
            return client.post().uri("/api/events/batch").contentType(MediaType.parseMediaType("application/x-ndjson"))
                    .bodyValue(ndjson.toString()).retrieve().bodyToMono(Map.class)
                    .flatMapIterable(json -> (List<?>) json.get("results"))
                    .map(result -> (String) ((Map<?, ?>) result).get("status"));
        }, 4);
        List<String> answers = Flux.merge(singles, batches).collectList().block();
        long accepted = answers.stream().filter(a -> a.endsWith("accepted")).count();
        assertThat(answers).hasSize(50);
        assertThat(accepted).as("10,000 holds 14 refunds of 700").isEqualTo(14);
        assertThat(answers.stream().filter(a -> a.equals("422:/problems/refund-exceeds-donation")
                || a.equals("rejected")).count()).isEqualTo(36);
        assertThat(sum("select coalesce(sum(amount_minor), 0) from ledger_events where donation_event_id = 'big-gift'"))
                .isEqualTo(14 * 700);
        assertThat(sum("select coalesce(sum(amount_minor), 0) from ledger_events where type = 'refund' and donation_event_id = 'big-gift'")).isEqualTo(9800);
        // what remains can still be refunded, and no more
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(refund("rf-last", "big-gift", 201)).exchange()
                .expectStatus().isEqualTo(422);
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(refund("rf-last", "big-gift", 200)).exchange()
                .expectStatus().isAccepted();
    }

    @Test
    void aMixedBatchAnswersEachEventInOrder() {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(donation("mix-old", 100)).exchange()
                .expectStatus().isAccepted();
        String batch = "[" + String.join(",",
                donation("mix-1", 500),
                donation("mix-old", 100),
                "{\"type\":\"donation\",\"eventId\":\"mix-bad\",\"campaignId\":\"idem\",\"amountMinor\":-1,\"currency\":\"EUR\"}",
                refund("mix-r", "mix-1", 200),
                donation("mix-old", 999),
                "{\"type\":\"share\",\"eventId\":\"mix-s\",\"campaignId\":\"idem\",\"fundraiserId\":\"bob\",\"channel\":\"whatsapp\",\"visitorId\":\"v1\"}",
                donation("mix-1", 500),
                donation("mix-1", 501),
                "{\"type\":\"donation\",\"eventId\":\"mix-ghost\",\"campaignId\":\"ghost\",\"amountMinor\":1,\"currency\":\"EUR\"}",
                "42") + "]";
        http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(batch).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.results.length()").isEqualTo(10)
                .jsonPath("$.results[0].eventId").isEqualTo("mix-1")
                .jsonPath("$.results[0].status").isEqualTo("accepted")
                .jsonPath("$.results[0].problem").doesNotExist()
                .jsonPath("$.results[1].status").isEqualTo("duplicate")
                .jsonPath("$.results[2].eventId").isEqualTo("mix-bad")
                .jsonPath("$.results[2].status").isEqualTo("rejected")
                .jsonPath("$.results[2].problem.status").isEqualTo(400)
                .jsonPath("$.results[2].problem.errors[0].field").isEqualTo("amountMinor")
                .jsonPath("$.results[3].eventId").isEqualTo("mix-r")
                .jsonPath("$.results[3].status").isEqualTo("accepted")
                .jsonPath("$.results[4].status").isEqualTo("rejected")
                .jsonPath("$.results[4].problem.status").isEqualTo(409)
                .jsonPath("$.results[5].status").isEqualTo("accepted")
                .jsonPath("$.results[6].status").isEqualTo("duplicate")
                .jsonPath("$.results[7].status").isEqualTo("rejected")
                .jsonPath("$.results[7].problem.type").isEqualTo("/problems/event-id-conflict")
                .jsonPath("$.results[8].problem.type").isEqualTo("/problems/unknown-campaign")
                .jsonPath("$.results[9].eventId").doesNotExist()
                .jsonPath("$.results[9].status").isEqualTo("rejected");
        assertThat(rows("mix-1")).isEqualTo(1);
        assertThat(rows("mix-bad")).isZero();
        assertThat(rows("mix-ghost")).isZero();
        assertThat(sum("select coalesce(sum(amount_minor), 0) from ledger_events where donation_event_id = 'mix-1'")).isEqualTo(200);
        // the same batch again changes nothing
        http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(batch).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.results[0].status").isEqualTo("duplicate")
                .jsonPath("$.results[3].status").isEqualTo("duplicate")
                .jsonPath("$.results[5].status").isEqualTo("duplicate");
        assertThat(sum("select coalesce(sum(amount_minor), 0) from ledger_events where donation_event_id = 'mix-1'")).isEqualTo(200);
    }

    @Test
    void metricsCountOutcomesGroupsAndCommitLatency() {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(donation("metric-1", 100)).exchange()
                .expectStatus().isAccepted();
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(donation("metric-1", 100)).exchange()
                .expectStatus().isOk();
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(donation("metric-1", 1)).exchange()
                .expectStatus().isEqualTo(409);
        String metrics = management().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics)
                .containsPattern("leaderboard_ingest_events_total\\{[^}]*status=\"accepted\"")
                .containsPattern("leaderboard_ingest_events_total\\{[^}]*reason=\"event-id-conflict\"[^}]*status=\"rejected\"")
                .containsPattern("leaderboard_ingest_events_total\\{[^}]*status=\"duplicate\"")
                .contains("leaderboard_ingest_group_size_count")
                .contains("leaderboard_ingest_commit_seconds_bucket")
                .contains("leaderboard_ingest_queue_depth");
        management().get().uri("/actuator/health").exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.r2dbc.status").isEqualTo("UP")
                .jsonPath("$.components.redis.status").isEqualTo("UP");
    }

    private long rows(String eventId) {
        return sum("select count(*) from ledger_events where event_id = '" + eventId.replace("'", "''") + "'");
    }

    private long amountOf(String eventId) {
        return sum("select amount_minor from ledger_events where event_id = '" + eventId.replace("'", "''") + "'");
    }

    private long sum(String sql) {
        try (Connection c = TestServices.jdbc(DB); PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getLong(1);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Actuator answers on the management port only. */
    private WebTestClient management() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + managementPort).build();
    }
}
