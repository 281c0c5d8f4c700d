package org.leaderboard.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Self-service fundraiser pages against real PostgreSQL and Redis: created by anyone in a campaign
 * with open signup (a generated id, a manage token shown once and stored as its SHA-256), names
 * and stories stripped of control characters and length-limited, rate-limited per client address
 * (behind the trusted proxy 127.0.0.1, per X-Forwarded-For); the owner edits that page only (403
 * on another, 401 on the organizer's other routes); closed signup, unknown campaign or team
 * refused and nothing created; the page on the fundraisers board at 0, then with its money.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "leaderboard.http.trusted-proxies=127.0.0.1/32, ::1/128",
                "leaderboard.signup.burst=2", "leaderboard.signup.refill-every=1h",
                "leaderboard.read.max-age=0s" })
class SelfServicePagesIntegrationTests {

    static final String DB = "lbt_self_service";
    static final int REDIS_DB = 3;
    static final Duration CONVERGENCE = Duration.ofSeconds(10);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    private WebTestClient http() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(15))
                .build();
    }

    private WebTestClient.ResponseSpec put(String token, String path, String body) {
        return http().put().uri(path).headers(h -> {
            if (token != null) {
                h.setBearerAuth(token);
            }
        }).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private void campaign(String c, boolean openSignup) {
        put(ORGANIZER_TOKEN, "/api/campaigns/" + c, "{\"title\":\"" + c
                + "\",\"currency\":\"EUR\",\"goalMinor\":100000,\"openSignup\":" + openSignup + "}")
                .expectStatus().is2xxSuccessful();
    }

    private WebTestClient.ResponseSpec signup(String client, String c, String body) {
        return http().post().uri("/api/campaigns/" + c + "/fundraisers").header("X-Forwarded-For", client)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    /** Creates a page and answers {id, manageToken}. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> page(String client, String c, String displayName) {
        return signup(client, c, "{\"displayName\":\"" + displayName + "\"}").expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> read(String path) {
        return http().get().uri(path).exchange().expectBody(Map.class).returnResult().getResponseBody();
    }

    private static Object query(String sql, Object... args) {
        try (Connection db = TestServices.jdbc(DB); PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getObject(1) : null;
            }
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static long fundraisers(String c) {
        return ((Number) query("select count(*) from fundraisers where campaign_id = ?", c)).longValue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPageIsCreatedCleanedAndEditedWithItsManageToken() throws Exception {
        campaign("open", true);
        put(ORGANIZER_TOKEN, "/api/campaigns/open/teams/crew", "{\"name\":\"Crew\"}").expectStatus().isCreated();
        Map<String, Object> created = signup("198.51.100.1", "open", """
                {"displayName":"  Zoé\\u0007 Dupont\\u202e\\t ","teamId":"crew","goalMinor":5000,
                 "story":"Line one\\r\\nLine two\\u0000\\u001b[31m"}""")
                .expectStatus().isCreated()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody(Map.class).returnResult().getResponseBody();
        String id = (String) created.get("id");
        String token = (String) created.get("manageToken");
        assertThat(id).matches("zoe-dupont-[a-z0-9]{8}");
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        Map<String, Object> fundraiser = (Map<String, Object>) created.get("fundraiser");
        assertThat(fundraiser).containsEntry("campaignId", "open").containsEntry("id", id)
                .containsEntry("displayName", "Zoé Dupont").containsEntry("teamId", "crew")
                .containsEntry("goalMinor", 5000).containsEntry("story", "Line one\nLine two[31m")
                .containsKeys("createdAt", "updatedAt");
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        assertThat((byte[]) query("select manage_token_hash from fundraisers where campaign_id = 'open' and id = ?", id))
                .as("only the token's SHA-256 is kept").isEqualTo(hash);
        assertThat(Eventually.await(CONVERGENCE, () -> read("/api/campaigns/open/fundraisers/" + id),
                page -> "Zoé Dupont".equals(page.get("displayName")))).containsEntry("displayName", "Zoé Dupont");

        put(token, "/api/campaigns/open/fundraisers/" + id, """
                {"displayName":"Zoé D.\\u0000","teamId":"crew","goalMinor":8000,"story":"New story"}""")
                .expectStatus().isOk().expectBody()
                .jsonPath("$.displayName").isEqualTo("Zoé D.")
                .jsonPath("$.goalMinor").isEqualTo(8000);
        assertThat(Eventually.await(CONVERGENCE, () -> read("/api/campaigns/open/fundraisers/" + id),
                page -> "Zoé D.".equals(page.get("displayName")))).containsEntry("displayName", "Zoé D.");
        // The owner is held to the page's limits; the organizer keeps its own.
        put(token, "/api/campaigns/open/fundraisers/" + id, "{\"displayName\":\"" + "n".repeat(81) + "\"}")
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("displayName");
        put(ORGANIZER_TOKEN, "/api/campaigns/open/fundraisers/" + id, "{\"displayName\":\"" + "n".repeat(90) + "\"}")
                .expectStatus().isOk();
        assertThat(query("select manage_token_hash from fundraisers where campaign_id = 'open' and id = ?", id))
                .as("an organizer's PUT keeps the owner's token").isEqualTo(hash);
        put(token, "/api/campaigns/open/fundraisers/" + id, "{\"displayName\":\"Back\"}").expectStatus().isOk();
    }

    @Test
    void aManageTokenEditsItsOwnPageOnly() {
        campaign("owners", true);
        campaign("elsewhere", true);
        Map<String, Object> a = page("198.51.100.10", "owners", "Anna");
        Map<String, Object> b = page("198.51.100.11", "owners", "Ben");
        Map<String, Object> c = page("198.51.100.12", "elsewhere", "Chloé");
        String tokenA = (String) a.get("manageToken");
        String pageB = "/api/campaigns/owners/fundraisers/" + b.get("id");
        put(tokenA, pageB, "{\"displayName\":\"Taken over\"}").expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/forbidden");
        put(tokenA, "/api/campaigns/elsewhere/fundraisers/" + c.get("id"), "{\"displayName\":\"Taken over\"}")
                .expectStatus().isForbidden();
        put(tokenA, "/api/campaigns/owners/fundraisers/made-up", "{\"displayName\":\"New\"}").expectStatus().isForbidden();
        put(tokenA, "/api/campaigns/owners", "{\"title\":\"Mine\",\"currency\":\"EUR\",\"goalMinor\":1}")
                .expectStatus().isUnauthorized();
        put(tokenA, "/api/campaigns/owners/teams/mine", "{\"name\":\"Mine\"}").expectStatus().isUnauthorized();
        put(null, pageB, "{\"displayName\":\"Anonymous\"}").expectStatus().isUnauthorized()
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer");
        put("A".repeat(43), pageB, "{\"displayName\":\"Guess\"}").expectStatus().isUnauthorized();
        put(ORGANIZER_TOKEN.substring(1), pageB, "{\"displayName\":\"Guess\"}").expectStatus().isUnauthorized();
        put((String) b.get("manageToken"), pageB, "{\"displayName\":\"Ben B.\"}").expectStatus().isOk();
        assertThat(query("select display_name from fundraisers where campaign_id = 'owners' and id = ?", b.get("id")))
                .isEqualTo("Ben B.");
        assertThat(query("select title from campaigns where id = 'owners'")).isEqualTo("owners");
        assertThat(fundraisers("owners")).isEqualTo(2);
    }

    @Test
    void closedSignupUnknownCampaignOrTeamAndBadFieldsCreateNothing() {
        campaign("closed", false);
        campaign("strict", true);
        signup("198.51.100.20", "closed", "{\"displayName\":\"Me\"}").expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/signup-closed");
        signup("198.51.100.21", "nowhere", "{\"displayName\":\"Me\"}").expectStatus().isNotFound();
        signup("198.51.100.21", "strict", "{\"displayName\":\"Me\",\"teamId\":\"ghosts\"}").expectStatus().isNotFound()
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("ghosts"));
        Map<String, List<String>> bad = Map.of(
                "{}", List.of("displayName"),
                "{\"displayName\":\" \\u0001\\u0002 \"}", List.of("displayName"),
                "{\"displayName\":\"" + "é".repeat(81) + "\"}", List.of("displayName"),
                "{\"displayName\":\"Me\",\"story\":\"" + "s".repeat(2001) + "\"}", List.of("story"),
                "{\"displayName\":\"Me\",\"goalMinor\":0,\"teamId\":\"Bad Team\"}", List.of("goalMinor", "teamId"),
                "{\"displayName\":42,\"id\":\"chosen\"}", List.of("displayName", "id"),
                "{\"displayName\":\"Me\",\"manageToken\":\"mine\"}", List.of("manageToken"));
        int client = 30;
        for (Map.Entry<String, List<String>> body : bad.entrySet()) {
            signup("198.51.100." + client++, "strict", body.getKey()).expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.errors[*].field").value(fields -> assertThat(fields).as(body.getKey())
                            .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                            .containsExactlyInAnyOrderElementsOf(body.getValue()));
        }
        // Exactly at the limits is fine.
        signup("198.51.100." + client, "strict", "{\"displayName\":\"" + "é".repeat(80) + "\",\"story\":\""
                + "s".repeat(2000) + "\"}").expectStatus().isCreated()
                .expectBody().jsonPath("$.id").value(id -> assertThat((String) id).matches("e{55}-[a-z0-9]{8}"));
        assertThat(fundraisers("closed")).isZero();
        assertThat(fundraisers("strict")).isEqualTo(1);
    }

    @Test
    void signupsAreRateLimitedPerClientAddress() {
        campaign("busy", true);
        page("198.51.100.50", "busy", "One");
        page("198.51.100.50", "busy", "Two");
        signup("198.51.100.50", "busy", "{\"displayName\":\"Three\"}").expectStatus().isEqualTo(429)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value("Retry-After", value -> assertThat(Long.parseLong(value)).isBetween(3500L, 3600L))
                .expectBody().jsonPath("$.type").isEqualTo("/problems/rate-limited");
        page("198.51.100.51", "busy", "Three");
        assertThat(fundraisers("busy")).isEqualTo(3);
    }

    @Test
    void aNewPageIsOnTheBoardAtZeroThenWithItsMoney() {
        campaign("board", true);
        put(ORGANIZER_TOKEN, "/api/campaigns/board/fundraisers/org-page", "{\"displayName\":\"Organizer's\"}")
                .expectStatus().isCreated();
        String id = (String) page("198.51.100.60", "board", "Fresh Page").get("id");
        List<Map<String, Object>> atZero = List.of(
                Map.of("rank", 1, "id", id, "name", "Fresh Page", "score", 0),
                Map.of("rank", 1, "id", "org-page", "name", "Organizer's", "score", 0));
        assertThat(Eventually.await(CONVERGENCE, () -> entries("board"), atZero::equals)).isEqualTo(atZero);
        http().post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"type\":\"donation\",\"eventId\":\"board-gift-1\",\"campaignId\":\"board\",\"fundraiserId\":\""
                        + id + "\",\"amountMinor\":700,\"currency\":\"EUR\"}")
                .exchange().expectStatus().isAccepted();
        List<Map<String, Object>> withMoney = List.of(
                Map.of("rank", 1, "id", id, "name", "Fresh Page", "score", 700),
                Map.of("rank", 2, "id", "org-page", "name", "Organizer's", "score", 0));
        assertThat(Eventually.await(CONVERGENCE, () -> entries("board"), withMoney::equals)).isEqualTo(withMoney);
        assertThat(Objects.requireNonNull(read("/api/campaigns/board/totals")).get("raisedMinor")).isEqualTo(700);
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> entries(String c) {
        Map<String, Object> board = read("/api/campaigns/" + c + "/leaderboards/fundraisers");
        return board == null || board.get("entries") == null ? List.of()
                : (List<Map<String, Object>>) board.get("entries");
    }
}
