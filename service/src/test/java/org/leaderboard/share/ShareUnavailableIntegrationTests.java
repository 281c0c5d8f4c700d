package org.leaderboard.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.TcpProxy;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A share while PostgreSQL is unreachable (a {@link TcpProxy} stopped): 503 problem+json with
 * Retry-After, never a false "counted", nothing recorded; the same share counted once the
 * database is back.
 */
// The live applier is off: its transactions through the proxy are not what is tested here.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "leaderboard.live.apply-enabled=false", "leaderboard.ingest.commit-timeout=2s" })
class ShareUnavailableIntegrationTests {

    private static final String DB = "lbt_shares_unavailable";
    private static TcpProxy proxy;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        proxy = TcpProxy.toPostgres().start();
        TestServices.isolate(registry, DB, 2, proxy.port());
    }

    @AfterAll
    static void closeProxy() {
        proxy.close();
    }

    @LocalServerPort
    int port;

    private WebTestClient.ResponseSpec share(String visitor) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30))
                .build().post().uri("/api/campaigns/down/fundraisers/alice/shares")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"channel\":\"link\",\"visitorId\":\"" + visitor + "\"}").exchange();
    }

    @Test
    void aShareThatCannotBeCommittedIs503AndRecordsNothing() throws SQLException {
        WebTestClient organizer = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .defaultHeaders(h -> h.setBearerAuth(ORGANIZER_TOKEN)).build();
        organizer.put().uri("/api/campaigns/down").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"title\":\"Down\",\"currency\":\"EUR\",\"goalMinor\":1000}").exchange()
                .expectStatus().isCreated();
        organizer.put().uri("/api/campaigns/down/fundraisers/alice").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"displayName\":\"Alice\"}").exchange().expectStatus().isCreated();
        share("visitor-warm").expectStatus().isCreated();

        proxy.stop();
        try {
            share("visitor-down").expectStatus().isEqualTo(503)
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().exists("Retry-After")
                    .expectBody().jsonPath("$.type").isEqualTo("/problems/unavailable");
        }
        finally {
            proxy.start();
        }
        assertThat(shares("visitor-down")).isZero();
        // The client retries, as Retry-After asks; the pool reconnects within a few attempts.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int status;
        do {
            status = share("visitor-down").returnResult(String.class).getStatus().value();
        }
        while (status == 503 && System.nanoTime() - deadline < 0);
        assertThat(status).isEqualTo(201);
        assertThat(shares("visitor-down")).isEqualTo(1);
    }

    private static long shares(String visitor) throws SQLException {
        try (Connection db = TestServices.jdbc(DB);
                ResultSet rows = db.createStatement().executeQuery(
                        "select count(*) from ledger_events where visitor_id = '" + visitor + "'")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
