package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.RawHttp;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The 429 of each public rate limiter (shares, signups) over raw sockets, as the edge fuzz judges
 * every refusal: problem+json with {@code type}, {@code title}, {@code status} and {@code detail},
 * a {@code Retry-After} in whole seconds, and nothing written. Both ways a limiter refuses: a
 * client over its budget (a bad body spent it too), and a new client while the table of clients
 * is full of ones still within their window (refused for a second). {@link HttpEdgeFuzzIntegrationTests}
 * sets these budgets out of its reach so that it meets the endpoints' validation; this is the rest.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "leaderboard.http.trusted-proxies=127.0.0.1/32",
                "leaderboard.share.burst=1", "leaderboard.share.refill-every=1h", "leaderboard.share.max-clients=1",
                "leaderboard.signup.burst=1", "leaderboard.signup.refill-every=1h", "leaderboard.signup.max-clients=1" })
class PublicRateLimitIntegrationTests {

    static final String DB = "lbt_public_rate_limits";
    static final int REDIS_DB = 9;
    static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Test
    void aShareOverItsBudgetOrPastAFullTableIsAProblemWithRetryAfterAndCountsNothing() throws Exception {
        put("/api/campaigns/rl-share", "{\"title\":\"Shares\",\"currency\":\"EUR\",\"goalMinor\":1000}");
        put("/api/campaigns/rl-share/fundraisers/alice", "{\"displayName\":\"Alice\"}");
        String share = "{\"channel\":\"link\",\"visitorId\":\"visitor-limited\"}";
        // A bad body spends the one share of the hour.
        assertThat(post("198.51.100.1", "/api/campaigns/rl-share/fundraisers/alice/shares",
                "{\"channel\":\"myspace\",\"visitorId\":\"visitor-limited\"}").status()).isEqualTo(400);
        assertRateLimited(post("198.51.100.1", "/api/campaigns/rl-share/fundraisers/alice/shares", share), 3_500, 3_600);
        assertRateLimited(post("198.51.100.2", "/api/campaigns/rl-share/fundraisers/alice/shares", share), 1, 1);
        assertThat(count("select count(*) from ledger_events where campaign_id = ?", "rl-share")).isZero();
    }

    @Test
    void aSignupOverItsBudgetOrPastAFullTableIsAProblemWithRetryAfterAndCreatesNothing() throws Exception {
        put("/api/campaigns/rl-signup", "{\"title\":\"Signups\",\"currency\":\"EUR\",\"goalMinor\":1000,\"openSignup\":true}");
        String page = "{\"displayName\":\"Zoe\"}";
        assertThat(post("198.51.100.1", "/api/campaigns/rl-signup/fundraisers", "{\"displayName\":\"\"}").status())
                .isEqualTo(400);
        assertRateLimited(post("198.51.100.1", "/api/campaigns/rl-signup/fundraisers", page), 3_500, 3_600);
        assertRateLimited(post("198.51.100.2", "/api/campaigns/rl-signup/fundraisers", page), 1, 1);
        assertThat(count("select count(*) from fundraisers where campaign_id = ?", "rl-signup")).isZero();
    }

    private static void assertRateLimited(RawHttp.Response response, long minRetryAfter, long maxRetryAfter) {
        assertThat(response.status()).as(response.body()).isEqualTo(429);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("type").stringValue()).isEqualTo("/problems/rate-limited");
        assertThat(problem.path("status").asInt()).isEqualTo(429);
        assertThat(problem.path("title").isString()).isTrue();
        assertThat(problem.path("detail").isString()).isTrue();
        assertThat(response.header("Retry-After")).matches("[0-9]+");
        assertThat(Long.parseLong(response.header("Retry-After"))).isBetween(minRetryAfter, maxRetryAfter);
    }

    private void put(String path, String body) {
        RawHttp.Response response = exchange("PUT " + path, "Authorization: Bearer " + ORGANIZER_TOKEN, body);
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(201);
    }

    /** A POST from {@code client}, as the trusted proxy at 127.0.0.1 forwards it. */
    private RawHttp.Response post(String client, String path, String body) {
        return exchange("POST " + path, "X-Forwarded-For: " + client, body);
    }

    private RawHttp.Response exchange(String requestLine, String header, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n" + header
                + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(bytes);
        return RawHttp.exchange(port, request.toByteArray());
    }

    private static long count(String sql, String campaignId) throws Exception {
        try (Connection connection = TestServices.jdbc(DB); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, campaignId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
