package org.leaderboard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Every validation rule of the ingest API answers problem+json naming the bad fields, and records nothing. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class IngestValidationIntegrationTests {

    static final String DB = "lbt_ingest_validation";

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, 2);
        registry.add("leaderboard.ingest.max-event-bytes", () -> "4KB");
        registry.add("leaderboard.ingest.max-batch-bytes", () -> "64KB");
        registry.add("leaderboard.ingest.max-batch-events", () -> "5");
    }

    @Autowired
    WebTestClient http;

    @BeforeEach
    void campaign() {
        organizer("/api/campaigns/val-run", "{\"title\":\"Val\",\"currency\":\"EUR\",\"goalMinor\":100000}");
        organizer("/api/campaigns/val-run/fundraisers/alice", "{\"displayName\":\"Alice\"}");
    }

    private void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }

    private WebTestClient.ResponseSpec post(String body) {
        return http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private void rejectedWith(String body, int status, String type, String... fields) {
        WebTestClient.BodyContentSpec spec = post(body).expectStatus().isEqualTo(status)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(type)
                .jsonPath("$.status").isEqualTo(status)
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.detail").isNotEmpty();
        if (fields.length > 0) {
            spec.jsonPath("$.errors.length()").isEqualTo(fields.length);
            for (String field : fields) {
                spec.jsonPath("$.errors[?(@.field == '" + field + "')].message").isNotEmpty();
            }
        }
    }

    @Test
    void donationFieldsAreCheckedOneByOne() {
        String valid = """
                {"type":"donation","eventId":"v-1","campaignId":"val-run","fundraiserId":"alice","amountMinor":2500,
                 "currency":"EUR","donorName":"Chloé","anonymous":false,"message":"Allez !","occurredAt":"2026-11-21T20:15:00Z"}""";
        rejectedWith(valid.replace("\"amountMinor\":2500", "\"amountMinor\":25.5"), 400, "/problems/validation",
                "amountMinor");
        rejectedWith(valid.replace("\"amountMinor\":2500", "\"amountMinor\":\"2500\""), 400, "/problems/validation",
                "amountMinor");
        rejectedWith(valid.replace("\"amountMinor\":2500", "\"amountMinor\":0"), 400, "/problems/validation",
                "amountMinor");
        rejectedWith(valid.replace("\"amountMinor\":2500", "\"amountMinor\":10000000001"), 400,
                "/problems/validation", "amountMinor");
        rejectedWith(valid.replace("\"amountMinor\":2500", "\"amountMinor\":-5"), 400, "/problems/validation",
                "amountMinor");
        rejectedWith(valid.replace("\"amountMinor\":2500,", ""), 400, "/problems/validation", "amountMinor");
        rejectedWith(valid.replace("\"currency\":\"EUR\"", "\"currency\":\"eur\""), 400, "/problems/validation",
                "currency");
        rejectedWith(valid.replace("\"currency\":\"EUR\",", ""), 400, "/problems/validation", "currency");
        rejectedWith(valid.replace("\"eventId\":\"v-1\"", "\"eventId\":\"\""), 400, "/problems/validation",
                "eventId");
        rejectedWith(valid.replace("\"eventId\":\"v-1\"", "\"eventId\":\"" + "x".repeat(256) + "\""), 400,
                "/problems/validation", "eventId");
        rejectedWith(valid.replace("\"eventId\":\"v-1\"", "\"eventId\":\"caf\u00e9\""), 400, "/problems/validation",
                "eventId");
        rejectedWith(valid.replace("\"campaignId\":\"val-run\"", "\"campaignId\":\"Val_Run\""), 400,
                "/problems/validation", "campaignId");
        rejectedWith(valid.replace("\"fundraiserId\":\"alice\"", "\"fundraiserId\":\"-alice\""), 400,
                "/problems/validation", "fundraiserId");
        rejectedWith(valid.replace("\"anonymous\":false", "\"anonymous\":\"no\""), 400, "/problems/validation",
                "anonymous");
        rejectedWith(valid.replace("2026-11-21T20:15:00Z", "2026-11-21 20:15"), 400, "/problems/validation",
                "occurredAt");
        rejectedWith(valid.replace("\"Chloé\"", "\"" + "n".repeat(101) + "\""), 400, "/problems/validation",
                "donorName");
        rejectedWith(valid.replace("\"Allez !\"", "\"" + "m".repeat(1001) + "\""), 400, "/problems/validation",
                "message");
        rejectedWith(valid.replace("\"type\":\"donation\"", "\"type\":\"gift\""), 400, "/problems/validation",
                "type");
        rejectedWith(valid.replace("\"type\":\"donation\",", ""), 400, "/problems/validation", "type");
        rejectedWith(valid.replace("\"donorName\"", "\"channel\":\"x\",\"donorName\""), 400,
                "/problems/validation", "channel");
        // every bad field at once
        rejectedWith("""
                {"type":"donation","eventId":"","campaignId":"BAD","amountMinor":1.5,"currency":"euro","colour":"red"}""",
                400, "/problems/validation", "eventId", "campaignId", "amountMinor", "currency", "colour");
        assertThat(ledgerRows()).isZero();
    }

    @Test
    void refundAndShareFieldsAreChecked() {
        rejectedWith("""
                {"type":"refund","eventId":"r-1","campaignId":"val-run","amountMinor":100}""", 400,
                "/problems/validation", "donationEventId");
        rejectedWith("""
                {"type":"refund","eventId":"r-1","campaignId":"val-run","donationEventId":"d","amountMinor":100,
                 "fundraiserId":"alice"}""", 400, "/problems/validation", "fundraiserId");
        rejectedWith("""
                {"type":"share","eventId":"s-1","campaignId":"val-run","fundraiserId":"alice","channel":"myspace"}""",
                400, "/problems/validation", "channel");
        rejectedWith("""
                {"type":"share","eventId":"s-1","campaignId":"val-run","fundraiserId":"alice","amountMinor":5}""",
                400, "/problems/validation", "channel", "amountMinor");
        assertThat(ledgerRows()).isZero();
    }

    @Test
    void referencesAndCurrencyAreCheckedAgainstTheLedger() {
        rejectedWith("""
                {"type":"donation","eventId":"x-1","campaignId":"no-such","amountMinor":100,"currency":"EUR"}""",
                422, "/problems/unknown-campaign");
        rejectedWith("""
                {"type":"donation","eventId":"x-2","campaignId":"val-run","fundraiserId":"zoe","amountMinor":100,
                 "currency":"EUR"}""", 422, "/problems/unknown-fundraiser");
        rejectedWith("""
                {"type":"donation","eventId":"x-3","campaignId":"val-run","referrerId":"zoe","amountMinor":100,
                 "currency":"EUR"}""", 422, "/problems/unknown-fundraiser");
        rejectedWith("""
                {"type":"donation","eventId":"x-4","campaignId":"val-run","amountMinor":100,"currency":"USD"}""",
                422, "/problems/currency-mismatch");
        rejectedWith("""
                {"type":"refund","eventId":"x-5","campaignId":"val-run","donationEventId":"nothing","amountMinor":1}""",
                422, "/problems/unknown-donation");
        rejectedWith("""
                {"type":"share","eventId":"x-6","campaignId":"val-run","fundraiserId":"zoe","channel":"email"}""",
                422, "/problems/unknown-fundraiser");
        assertThat(ledgerRows()).isZero();
    }

    @Test
    void malformedBodiesAreRejected() {
        rejectedWith("{\"type\":\"donation\"", 400, "/problems/malformed-body");
        rejectedWith("[]", 400, "/problems/malformed-body");
        rejectedWith("""
                {"type":"share","type":"donation","eventId":"d-1","campaignId":"val-run","amountMinor":1,"currency":"EUR"}""",
                400, "/problems/malformed-body");
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.type").isEqualTo("/problems/malformed-body");
        assertThat(ledgerRows()).isZero();
    }

    @Test
    void tokensAreRequiredAndSeparate() {
        String body = """
                {"type":"donation","eventId":"t-1","campaignId":"val-run","amountMinor":100,"currency":"EUR"}""";
        http.post().uri("/api/events").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/unauthorized");
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isUnauthorized();
        http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth("wrong"))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("[" + body + "]").exchange()
                .expectStatus().isUnauthorized();
        assertThat(ledgerRows()).isZero();
    }

    @Test
    void oversizedBodiesAndBatchesAnswer413() {
        String padded = """
                {"type":"donation","eventId":"big-1","campaignId":"val-run","amountMinor":100,"currency":"EUR",
                 "message":"%s"}""".formatted("m".repeat(5000));
        rejectedWith(padded, 413, "/problems/payload-too-large");
        String event = """
                {"type":"share","eventId":"b-%d","campaignId":"val-run","channel":"x"}""";
        StringBuilder six = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            six.append(event.formatted(i)).append('\n');
        }
        http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.parseMediaType("application/x-ndjson")).bodyValue(six.toString()).exchange()
                .expectStatus().isEqualTo(413)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/payload-too-large");
        http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("[" + "\"x\",".repeat(40_000) + "\"x\"]").exchange()
                .expectStatus().isEqualTo(413);
        http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.TEXT_PLAIN).bodyValue("hello").exchange()
                .expectStatus().isEqualTo(415);
        http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange()
                .expectStatus().isBadRequest();
        assertThat(ledgerRows()).isZero();
    }

    private long ledgerRows() {
        try (Connection c = TestServices.jdbc(DB); ResultSet rs = c.createStatement()
                .executeQuery("select count(*) from ledger_events")) {
            rs.next();
            return rs.getLong(1);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
