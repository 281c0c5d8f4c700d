package org.leaderboard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.leaderboard.LeaderboardApplication;
import org.leaderboard.support.TestServices;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Idempotency and refund balances are durable: a restarted service on the same database answers
 * {@code duplicate} for events recorded before the restart and still refuses an over-refund.
 */
class LedgerRestartIntegrationTests {

    private static final String DB = "lbt_ledger_restart";
    private static final String DONATION = """
            {"type":"donation","eventId":"rs-pay-1","campaignId":"relay","fundraiserId":"alice","amountMinor":5000,\
            "currency":"EUR","donorName":"Chloé"}""";
    private static final String REFUND = """
            {"type":"refund","eventId":"rs-ref-1","campaignId":"relay","donationEventId":"rs-pay-1",\
            "amountMinor":2000}""";
    private static final String SHARE = """
            {"type":"share","eventId":"rs-sh-1","campaignId":"relay","fundraiserId":"alice","channel":"x",\
            "visitorId":"v-1"}""";
    private static final String BATCH = """
            [{"type":"donation","eventId":"rs-pay-2","campaignId":"relay","amountMinor":700,"currency":"EUR"},
             {"type":"share","eventId":"rs-sh-2","campaignId":"relay","fundraiserId":"alice","channel":"email",\
              "visitorId":"v-2"}]""";

    @Test
    void recordedEventsStayDuplicatesAndBalancesSurviveARestart() throws SQLException {
        String[] args = arguments();
        long rows;
        try (ConfigurableApplicationContext first = application().run(args)) {
            WebTestClient http = client(first);
            organizer(http, "/api/campaigns/relay", """
                    {"title":"Relay","currency":"EUR","goalMinor":100000}""");
            organizer(http, "/api/campaigns/relay/fundraisers/alice", """
                    {"displayName":"Alice"}""");
            for (String event : List.of(DONATION, REFUND, SHARE)) {
                post(http, "/api/events", event).expectStatus().isAccepted()
                        .expectBody().jsonPath("$.status").isEqualTo("accepted");
            }
            post(http, "/api/events/batch", BATCH).expectStatus().isOk().expectBody()
                    .jsonPath("$.results[0].status").isEqualTo("accepted")
                    .jsonPath("$.results[1].status").isEqualTo("accepted");
            rows = ledgerRows();
            assertThat(rows).as("ledger rows after the first run").isEqualTo(5);
        }

        try (ConfigurableApplicationContext second = application().run(args)) {
            WebTestClient http = client(second);
            for (String event : List.of(DONATION, REFUND, SHARE)) {
                post(http, "/api/events", event).expectStatus().isOk()
                        .expectBody().jsonPath("$.status").isEqualTo("duplicate");
            }
            post(http, "/api/events/batch", BATCH).expectStatus().isOk().expectBody()
                    .jsonPath("$.results[0].status").isEqualTo("duplicate")
                    .jsonPath("$.results[1].status").isEqualTo("duplicate");
            post(http, "/api/events", """
                    {"type":"refund","eventId":"rs-ref-2","campaignId":"relay","donationEventId":"rs-pay-1",\
                    "amountMinor":3001}""")
                    .expectStatus().isEqualTo(422)
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.type").isEqualTo("/problems/refund-exceeds-donation");
            assertThat(ledgerRows()).as("replays and a refused refund add no ledger row").isEqualTo(rows);
            post(http, "/api/events", """
                    {"type":"refund","eventId":"rs-ref-3","campaignId":"relay","donationEventId":"rs-pay-1",\
                    "amountMinor":3000}""")
                    .expectStatus().isAccepted();
            assertThat(ledgerRows()).as("the exact remainder is still refundable").isEqualTo(rows + 1);
        }
    }

    private static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(LeaderboardApplication.class).main(LeaderboardApplication.class);
    }

    /** TestServices' isolation properties (fresh database, Redis index 6) as command-line arguments. */
    private static String[] arguments() {
        Map<String, Object> properties = new LinkedHashMap<>();
        TestServices.isolate((name, value) -> properties.put(name, value.get()), DB, 6);
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0", "--spring.main.banner-mode=off"));
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args.toArray(String[]::new);
    }

    private static WebTestClient client(ConfigurableApplicationContext context) {
        return WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"))
                .responseTimeout(Duration.ofSeconds(15))
                .build();
    }

    private static void organizer(WebTestClient http, String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isCreated();
    }

    private static WebTestClient.ResponseSpec post(WebTestClient http, String path, String body) {
        return http.post().uri(path).headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private static long ledgerRows() throws SQLException {
        try (Connection connection = TestServices.jdbc(DB); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select count(*) from ledger_events")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
