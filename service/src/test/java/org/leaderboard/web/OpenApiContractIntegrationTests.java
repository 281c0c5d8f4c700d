package org.leaderboard.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RawHttp;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

/**
 * The OpenAPI document served at {@code /openapi.yaml} against the running service: the document
 * is a valid OpenAPI 3.1 description, every operation it lists is called for every status it
 * documents that a test can provoke, and each real answer must match it (status listed, required
 * headers present, body valid against the schema). The last test proves that nothing documented
 * went unchecked, except the few answers named with the test that provokes them elsewhere.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractIntegrationTests {

    private static final int REDIS_DB = 13;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String JSON = "application/json";

    /** Documented answers this class cannot provoke, with the tests that do. */
    private static final Map<String, String> PROVOKED_ELSEWHERE = Map.of(
            "POST /api/events 503", "LedgerUnavailableIntegrationTests (database unreachable, queue full)",
            "POST /api/events/batch 503", "LedgerUnavailableIntegrationTests",
            "GET /livez 503", "not provokable while the service runs; Spring Boot's liveness group",
            "POST /api/campaigns/{campaignId}/fundraisers/{fundraiserId}/shares 503",
                    "ShareUnavailableIntegrationTests (the ledger cannot commit)",
            "POST /api/campaigns/{campaignId}/fundraisers 409", "not provokable: three random page ids in a row taken",
            "GET /readyz 503", "RedisOutageIntegrationTests / BackingServiceFailureAnalyzerIntegrationTests territory:"
                    + " readiness follows the r2dbc and redis health");

    private static OpenApiContract contract;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        RedisDatabases.flush(REDIS_DB);
        TestServices.isolate(registry, "lbt_openapi", REDIS_DB);
        registry.add("leaderboard.stream.max-sessions", () -> 3);
        // small budgets, so the test reaches the rate limits' 429 in a few posts
        registry.add("leaderboard.share.burst", () -> 8);
        registry.add("leaderboard.share.refill-every", () -> "1h");
        registry.add("leaderboard.signup.burst", () -> 7);
        registry.add("leaderboard.signup.refill-every", () -> "1h");
    }

    @LocalServerPort
    int port;

    private OpenApiContract contract() {
        if (contract == null) {
            try (InputStream in = getClass().getResourceAsStream("/api/openapi.yaml")) {
                contract = new OpenApiContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return contract;
    }

    @Test
    @Order(1)
    void theServiceServesTheDocumentAndItIsValidOpenApi31() throws IOException {
        RawHttp.Response served = call("GET", "/openapi.yaml", "/openapi.yaml", null, null, null);
        assertThat(served.status()).isEqualTo(200);
        try (InputStream in = getClass().getResourceAsStream("/api/openapi.yaml")) {
            assertThat(served.body()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(served.body());
        assertThat(parsed.getMessages()).as("OpenAPI parser's messages").isEmpty();
        assertThat(parsed.isOpenapi31()).isTrue();
        assertThat(parsed.getOpenAPI().getPaths()).containsKeys("/api/events", "/api/campaigns/{campaignId}/totals",
                "/ws/campaigns/{campaignId}");
    }

    @Test
    @Order(2)
    void organizerApi() {
        String campaign = "{\"title\":\"Night run\",\"story\":\"Run!\",\"currency\":\"EUR\",\"goalMinor\":100000,"
                + "\"endsAt\":\"2026-12-31T20:00:00Z\",\"openSignup\":true,\"donateUrl\":\"https://pay.example.org/x\"}";
        String path = "/api/campaigns/{campaignId}";
        expect(201, organizer("PUT", path, "/api/campaigns/oa-org", campaign));
        expect(200, organizer("PUT", path, "/api/campaigns/oa-org", campaign));
        expect(400, organizer("PUT", path, "/api/campaigns/oa-org", "{\"title\":\"\",\"currency\":\"EURO\"}"));
        expect(400, organizer("PUT", path, "/api/campaigns/oa-org", "{\"title\":"));
        expect(401, call("PUT", path, "/api/campaigns/oa-org", null, JSON, campaign));
        expect(401, call("PUT", path, "/api/campaigns/oa-org", "not-the-token", JSON, campaign));
        expect(400, organizer("PUT", path, "/api/campaigns/Not_An_Id", campaign));
        expect(409, organizer("PUT", path, "/api/campaigns/oa-org", campaign.replace("EUR", "JPY")));
        expect(413, organizer("PUT", path, "/api/campaigns/oa-org",
                campaign.replace("Run!", "x".repeat(70 * 1024))));
        expect(415, call("PUT", path, "/api/campaigns/oa-org", ORGANIZER_TOKEN, "text/plain", campaign));

        String team = "/api/campaigns/{campaignId}/teams/{teamId}";
        expect(201, organizer("PUT", team, "/api/campaigns/oa-org/teams/red", "{\"name\":\"Red\"}"));
        expect(200, organizer("PUT", team, "/api/campaigns/oa-org/teams/red", "{\"name\":\"Red team\"}"));
        expect(400, organizer("PUT", team, "/api/campaigns/oa-org/teams/red", "{\"name\":\"\"}"));
        expect(401, call("PUT", team, "/api/campaigns/oa-org/teams/red", null, JSON, "{\"name\":\"Red\"}"));
        expect(404, organizer("PUT", team, "/api/campaigns/nowhere/teams/red", "{\"name\":\"Red\"}"));
        expect(413, organizer("PUT", team, "/api/campaigns/oa-org/teams/red",
                "{\"name\":\"" + "x".repeat(70 * 1024) + "\"}"));
        expect(415, call("PUT", team, "/api/campaigns/oa-org/teams/red", ORGANIZER_TOKEN, "text/plain", "{}"));

        String fundraiser = "/api/campaigns/{campaignId}/fundraisers/{fundraiserId}";
        expect(201, organizer("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/alice",
                "{\"displayName\":\"Alice\",\"teamId\":\"red\",\"goalMinor\":5000,\"story\":\"Km for km\"}"));
        expect(200, organizer("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/alice",
                "{\"displayName\":\"Alice\",\"teamId\":\"red\"}"));
        expect(201, organizer("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/bob", "{\"displayName\":\"Bob\"}"));
        expect(400, organizer("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/bob", "{\"goalMinor\":-1}"));
        expect(401, call("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/bob", null, JSON, "{}"));
        expect(404, organizer("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/carol",
                "{\"displayName\":\"Carol\",\"teamId\":\"no-team\"}"));
        expect(413, organizer("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/bob",
                "{\"displayName\":\"" + "x".repeat(70 * 1024) + "\"}"));
        expect(415, call("PUT", fundraiser, "/api/campaigns/oa-org/fundraisers/bob", ORGANIZER_TOKEN, "text/plain",
                "{}"));

        expect(200, organizer("GET", "/api/campaigns", "/api/campaigns", null));
        expect(401, call("GET", "/api/campaigns", "/api/campaigns", INGEST_TOKEN, null, null));
        expect(200, organizer("POST", "/api/admin/rebuild", "/api/admin/rebuild", null));
        expect(401, call("POST", "/api/admin/rebuild", "/api/admin/rebuild", null, null, null));
    }

    @Test
    @Order(3)
    void ingestAndReadApis() {
        campaignWithFundraisers();
        String single = "/api/events";
        String gift = donation("oa-1", "alice", 2500, ",\"donorName\":\"Chloé\",\"message\":\"Allez !\"");
        expect(202, ingest(single, JSON, gift));
        expect(200, ingest(single, JSON, gift));
        expect(409, ingest(single, JSON, gift.replace("2500", "2600")));
        expect(400, ingest(single, JSON, donation("oa-2", "alice", 0, "")));
        expect(400, ingest(single, JSON, "{\"type\":"));
        expect(401, call("POST", single, single, ORGANIZER_TOKEN, JSON, gift));
        expect(413, ingest(single, JSON, donation("oa-3", "alice", 100, ",\"message\":\"" + "x".repeat(70 * 1024)
                + "\"")));
        expect(415, ingest(single, "text/plain", gift));
        expect(422, ingest(single, JSON, gift.replace("oa-run", "nowhere").replace("oa-1", "oa-4")));
        expect(202, ingest(single, JSON, "{\"type\":\"refund\",\"eventId\":\"oa-r1\",\"campaignId\":\"oa-run\","
                + "\"donationEventId\":\"oa-1\",\"amountMinor\":500}"));
        expect(202, ingest(single, JSON, "{\"type\":\"share\",\"eventId\":\"oa-s1\",\"campaignId\":\"oa-run\","
                + "\"fundraiserId\":\"alice\",\"channel\":\"facebook\",\"visitorId\":\"v-12345678\"}"));

        String batch = "/api/events/batch";
        // a rejected event does not stop the others (a request the document's schema refuses, on purpose)
        RawHttp.Response mixed = expect(200, call("POST", batch, batch, INGEST_TOKEN, JSON, "[" + donation("oa-5", "bob",
                4000, ",\"anonymous\":true") + "," + gift + "," + donation("oa-6", "bob", -5, "") + "]", false));
        assertThat(mixed.body()).contains("\"accepted\"", "\"duplicate\"", "\"rejected\"", "\"problem\":{");
        expect(200, ingest(batch, "application/x-ndjson", donation("oa-7", "alice", 100, "") + "\n"
                + donation("oa-8", null, 300, "") + "\n"));
        expect(400, ingest(batch, JSON, "[{"));
        expect(401, call("POST", batch, batch, null, JSON, "[]"));
        expect(413, ingest(batch, JSON, IntStream.range(0, 1001).mapToObj(i -> donation("oa-big-" + i, "bob", 1, ""))
                .collect(Collectors.joining(",", "[", "]"))));
        expect(415, ingest(batch, "text/csv", "[]"));

        // 2500 - 500 + 4000 + 100 + 300: every accepted gift applied before the reads are judged
        Eventually.await(Duration.ofSeconds(10), () -> read("/api/campaigns/{campaignId}/totals",
                "/api/campaigns/oa-run/totals").body(), body -> body.contains("\"raisedMinor\":6400"));
        expect(200, read("/api/campaigns/{campaignId}", "/api/campaigns/oa-run"));
        expect(404, read("/api/campaigns/{campaignId}", "/api/campaigns/nowhere"));
        expect(404, read("/api/campaigns/{campaignId}/totals", "/api/campaigns/nowhere/totals"));
        String board = "/api/campaigns/{campaignId}/leaderboards/{board}";
        for (String name : List.of("fundraisers", "teams", "sharers", "trending")) {
            expect(200, read(board, "/api/campaigns/oa-run/leaderboards/" + name + "?limit=5&offset=0"));
        }
        expect(400, read(board, "/api/campaigns/oa-run/leaderboards/fundraisers?limit=0"));
        expect(404, read(board, "/api/campaigns/oa-run/leaderboards/losers"));
        String fundraiser = "/api/campaigns/{campaignId}/fundraisers/{fundraiserId}";
        assertThat(expect(200, read(fundraiser, "/api/campaigns/oa-run/fundraisers/alice")).body())
                .contains("\"ahead\":{");
        assertThat(expect(200, read(fundraiser, "/api/campaigns/oa-run/fundraisers/bob")).body())
                .contains("\"ahead\":null");
        expect(404, read(fundraiser, "/api/campaigns/oa-run/fundraisers/nobody"));
        String feed = "/api/campaigns/{campaignId}/feed";
        assertThat(expect(200, read(feed, "/api/campaigns/oa-run/feed?limit=20")).body())
                .contains("\"name\":null", "\"message\":\"Allez !\"");
        expect(400, read(feed, "/api/campaigns/oa-run/feed?limit=101"));
        expect(404, read(feed, "/api/campaigns/nowhere/feed"));
    }

    @Test
    @Order(4)
    void viralMechanics() {
        campaignWithFundraisers();
        String match = "/api/campaigns/{campaignId}/matches/{matchId}";
        String doubled = "{\"sponsor\":\"Foundation\",\"ratio\":1,\"capMinor\":50000,"
                + "\"startsAt\":\"2020-01-01T00:00:00Z\",\"endsAt\":\"2099-01-01T00:00:00Z\"}";
        organizerUpsert(match, "/api/campaigns/oa-run/matches/double", doubled, doubled.replace("\"ratio\":1",
                "\"ratio\":0.5"));
        organizerRefusals(match, "/api/campaigns/oa-run/matches/double", "/api/campaigns/nowhere/matches/double",
                doubled, doubled.replace("\"ratio\":1", "\"ratio\":11"));

        // a gift inside the match's window, matched when recorded; then the cap cannot go below it
        ingest("/api/events", JSON, donation("oa-v1", "alice", 1500, ",\"message\":\"Bravo\",\"referrerId\":\"bob\""));
        String matches = "/api/campaigns/{campaignId}/matches";
        Eventually.await(Duration.ofSeconds(10), () -> read(matches, "/api/campaigns/oa-run/matches").body(),
                body -> body.contains("\"matchedMinor\":750"));
        expect(404, read(matches, "/api/campaigns/nowhere/matches"));
        expect(422, organizer("PUT", match, "/api/campaigns/oa-run/matches/double",
                doubled.replace("\"capMinor\":50000", "\"capMinor\":1")));

        String milestone = "/api/campaigns/{campaignId}/milestones/{milestoneId}";
        String first = "{\"metric\":\"raisedMinor\",\"threshold\":1000,\"label\":\"First ten euros\"}";
        organizerUpsert(milestone, "/api/campaigns/oa-run/milestones/first-ten", first,
                first.replace("ten euros", "10 €"));
        organizer("PUT", milestone, "/api/campaigns/oa-run/milestones/far", "{\"metric\":\"shareCount\","
                + "\"threshold\":1000000,\"label\":\"A million shares\"}");
        organizerRefusals(milestone, "/api/campaigns/oa-run/milestones/first-ten",
                "/api/campaigns/nowhere/milestones/first-ten", first, first.replace("raisedMinor", "nope"));
        String milestones = "/api/campaigns/{campaignId}/milestones";
        Eventually.await(Duration.ofSeconds(10), () -> read(milestones, "/api/campaigns/oa-run/milestones").body(),
                body -> body.contains("\"reachedAt\":\"20"));
        expect(404, read(milestones, "/api/campaigns/nowhere/milestones"));

        String pledge = "/api/campaigns/{campaignId}/pledges/{pledgeId}";
        String acme = "{\"sponsor\":\"Acme\",\"perShareMinor\":50,\"capMinor\":100000,"
                + "\"bonus\":{\"atShares\":2,\"amountMinor\":5000}}";
        organizerUpsert(pledge, "/api/campaigns/oa-run/pledges/acme", acme, acme.replace("Acme", "Acme Inc."));
        organizer("PUT", pledge, "/api/campaigns/oa-run/pledges/plain", "{\"sponsor\":\"Plain\","
                + "\"perShareMinor\":10,\"capMinor\":1000}");
        organizerRefusals(pledge, "/api/campaigns/oa-run/pledges/acme", "/api/campaigns/nowhere/pledges/acme", acme,
                acme.replace("100000", "0"));
        String pledges = "/api/campaigns/{campaignId}/pledges";
        expect(200, read(pledges, "/api/campaigns/oa-run/pledges"));
        expect(404, read(pledges, "/api/campaigns/nowhere/pledges"));

        String share = "/api/campaigns/{campaignId}/fundraisers/{fundraiserId}/shares";
        String click = "{\"channel\":\"whatsapp\",\"visitorId\":\"visitor-0001\"}";
        assertThat(expect(201, publicPost(share, "/api/campaigns/oa-run/fundraisers/alice/shares", JSON, click))
                .body()).contains("\"counted\":true");
        assertThat(expect(200, publicPost(share, "/api/campaigns/oa-run/fundraisers/alice/shares", JSON, click))
                .body()).contains("\"counted\":false");
        expect(400, publicPost(share, "/api/campaigns/oa-run/fundraisers/alice/shares", JSON,
                click.replace("whatsapp", "fax")));
        expect(404, publicPost(share, "/api/campaigns/oa-run/fundraisers/nobody/shares", JSON, click));
        expect(413, publicPost(share, "/api/campaigns/oa-run/fundraisers/alice/shares", JSON,
                click.replace("visitor-0001", "x".repeat(70 * 1024))));
        expect(415, publicPost(share, "/api/campaigns/oa-run/fundraisers/alice/shares", "text/plain", click));
        untilRateLimited(share, "/api/campaigns/oa-run/fundraisers/alice/shares", click);

        String signup = "/api/campaigns/{campaignId}/fundraisers";
        organizer("PUT", "/api/campaigns/{campaignId}", "/api/campaigns/oa-open",
                "{\"title\":\"Open\",\"currency\":\"EUR\",\"goalMinor\":100000,\"openSignup\":true}");
        RawHttp.Response page = expect(201, publicPost(signup, "/api/campaigns/oa-open/fundraisers", JSON,
                "{\"displayName\":\"Zoé Dupont\",\"goalMinor\":20000,\"story\":\"I run.\\nFor them.\"}"));
        String pageId = page.body().replaceAll(".*\"id\":\"([a-z0-9-]+)\".*", "$1");
        String manageToken = page.body().replaceAll(".*\"manageToken\":\"([^\"]+)\".*", "$1");
        expect(400, publicPost(signup, "/api/campaigns/oa-open/fundraisers", JSON, "{\"displayName\":\"\"}"));
        expect(403, publicPost(signup, "/api/campaigns/oa-run/fundraisers", JSON, "{\"displayName\":\"Zoé\"}"));
        expect(404, publicPost(signup, "/api/campaigns/nowhere/fundraisers", JSON, "{\"displayName\":\"Zoé\"}"));
        expect(413, publicPost(signup, "/api/campaigns/oa-open/fundraisers", JSON,
                "{\"displayName\":\"" + "x".repeat(70 * 1024) + "\"}"));
        expect(415, publicPost(signup, "/api/campaigns/oa-open/fundraisers", "text/plain", "{}"));
        untilRateLimited(signup, "/api/campaigns/oa-open/fundraisers", "{\"displayName\":\"Another\"}");

        String fundraiser = "/api/campaigns/{campaignId}/fundraisers/{fundraiserId}";
        expect(200, call("PUT", fundraiser, "/api/campaigns/oa-open/fundraisers/" + pageId, manageToken, JSON,
                "{\"displayName\":\"Zoé D.\"}"));
        organizer("PUT", fundraiser, "/api/campaigns/oa-open/fundraisers/carol", "{\"displayName\":\"Carol\"}");
        expect(403, call("PUT", fundraiser, "/api/campaigns/oa-open/fundraisers/carol", manageToken, JSON,
                "{\"displayName\":\"Mine now\"}"));

        for (String action : List.of("hide", "unhide")) {
            String moderation = "/api/campaigns/{campaignId}/feed/{eventId}/" + action;
            String path = "/api/campaigns/oa-run/feed/oa-v1/" + action;
            expect(200, organizer("POST", moderation, path, null));
            expect(401, call("POST", moderation, path, INGEST_TOKEN, null, null));
            expect(404, organizer("POST", moderation, "/api/campaigns/oa-run/feed/no-such-gift/" + action, null));
        }
        String messages = "/api/campaigns/{campaignId}/messages";
        assertThat(expect(200, organizer("GET", messages, "/api/campaigns/oa-run/messages?limit=50", null)).body())
                .contains("\"message\":\"Bravo\"");
        expect(400, organizer("GET", messages, "/api/campaigns/oa-run/messages?limit=0", null));
        expect(401, call("GET", messages, "/api/campaigns/oa-run/messages", null, null, null));
        expect(404, organizer("GET", messages, "/api/campaigns/nowhere/messages", null));

        Eventually.await(Duration.ofSeconds(10), () -> read("/api/campaigns/{campaignId}/leaderboards/{board}",
                "/api/campaigns/oa-run/leaderboards/referrals").body(), body -> body.contains("\"id\":\"bob\""));
        assertThat(expect(200, read(fundraiser, "/api/campaigns/oa-run/fundraisers/bob")).body())
                .contains("\"referredMinor\":1500");
    }

    /** Created (201), then replaced (200). */
    private void organizerUpsert(String template, String path, String body, String replacement) {
        expect(201, organizer("PUT", template, path, body));
        expect(200, organizer("PUT", template, path, replacement));
    }

    /** What an organizer PUT refuses: 400, 401, 404, 413, 415. */
    private void organizerRefusals(String template, String path, String unknownCampaign, String body, String invalid) {
        expect(400, organizer("PUT", template, path, invalid));
        expect(401, call("PUT", template, path, null, JSON, body));
        expect(404, organizer("PUT", template, unknownCampaign, body));
        expect(413, organizer("PUT", template, path, body.replaceFirst("\\}$",
                ",\"padding\":\"" + "x".repeat(70 * 1024) + "\"}")));
        expect(415, call("PUT", template, path, ORGANIZER_TOKEN, "text/plain", body));
    }

    /** Posts until this client's budget is spent: the first 429 (with Retry-After) ends it. */
    private void untilRateLimited(String template, String path, String body) {
        for (int i = 0; i < 20; i++) {
            RawHttp.Response answer = publicPost(template, path, JSON, body);
            if (answer.status() == 429) {
                return;
            }
            assertThat(answer.status()).as("before the budget is spent").isLessThan(300);
        }
        throw new AssertionError("no 429 after 20 posts to " + path);
    }

    private RawHttp.Response publicPost(String template, String path, String type, String body) {
        return call("POST", template, path, null, type, body);
    }

    @Test
    @Order(5)
    void liveStreams() throws Exception {
        campaignWithFundraisers();
        String sse = "/api/campaigns/{campaignId}/stream";
        try (SseStream stream = SseStream.open(port, "/api/campaigns/oa-run/stream?fundraiser=alice")) {
            expect(200, stream.head(), sse);
            contract().validate("StreamSnapshot", stream.nextMessage(), "the stream's first message");
            ingest("/api/events", JSON, donation("oa-live-" + System.nanoTime(), "alice", 700, ""));
            contract().validate("StreamUpdate", stream.nextMessage(), "the stream's update");
        }
        expect(404, call("GET", sse, "/api/campaigns/nowhere/stream", null, null, null));
        expect(404, call("GET", sse, "/api/campaigns/oa-run/stream?fundraiser=nobody", null, null, null));

        String ws = "/ws/campaigns/{campaignId}";
        expect(101, webSocket("/ws/campaigns/oa-run", ""), ws);
        expect(403, webSocket("/ws/campaigns/oa-run", "Origin: https://evil.example\r\n"), ws);
        expect(404, webSocket("/ws/campaigns/nowhere", ""), ws);
        expect(426, RawHttp.exchange(port, handshake("/ws/campaigns/oa-run", "").replace("Version: 13", "Version: 8")),
                ws);
        expect(400, RawHttp.exchange(port, "GET /ws/campaigns/oa-run HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n\r\n"), ws);

        // max-sessions is 3 in this class: three open streams, then a fourth of each kind is refused
        try (SseStream a = SseStream.open(port, "/api/campaigns/oa-run/stream");
                SseStream b = SseStream.open(port, "/api/campaigns/oa-run/stream");
                SseStream c = SseStream.open(port, "/api/campaigns/oa-run/stream")) {
            a.nextMessage();
            b.nextMessage();
            c.nextMessage();
            expect(503, call("GET", sse, "/api/campaigns/oa-run/stream", null, null, null));
            expect(503, webSocket("/ws/campaigns/oa-run", ""), ws);
        }
    }

    @Test
    @Order(6)
    void healthEndpoints() {
        expect(200, call("GET", "/livez", "/livez", null, null, null));
        expect(200, call("GET", "/readyz", "/readyz", null, null, null));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void everyDocumentedAnswerWasProvokedAndChecked() {
        assertThat(contract().documented()).as("answers said to be provoked elsewhere are documented")
                .containsAll(PROVOKED_ELSEWHERE.keySet());
        assertThat(contract().seen()).as("answers said to be provoked elsewhere are not provoked here")
                .doesNotContainAnyElementsOf(PROVOKED_ELSEWHERE.keySet());
        List<String> unseen = contract().unseen();
        unseen.removeAll(PROVOKED_ELSEWHERE.keySet());
        assertThat(unseen).as("documented answers never provoked by this class").isEmpty();
    }

    // --- calls ---

    /** The campaign the ingest, read and stream tests use (PUT: created once, then replaced by the same). */
    private void campaignWithFundraisers() {
        organizer("PUT", "/api/campaigns/{campaignId}", "/api/campaigns/oa-run",
                "{\"title\":\"Run\",\"currency\":\"EUR\",\"goalMinor\":100000}");
        for (String id : List.of("alice", "bob")) {
            organizer("PUT", "/api/campaigns/{campaignId}/fundraisers/{fundraiserId}",
                    "/api/campaigns/oa-run/fundraisers/" + id, "{\"displayName\":\"" + id + "\"}");
        }
    }

    private static String donation(String id, String fundraiser, long amount, String more) {
        return "{\"type\":\"donation\",\"eventId\":\"" + id + "\",\"campaignId\":\"oa-run\","
                + (fundraiser == null ? "" : "\"fundraiserId\":\"" + fundraiser + "\",") + "\"amountMinor\":" + amount
                + ",\"currency\":\"EUR\"" + more + "}";
    }

    private RawHttp.Response expect(int status, RawHttp.Response answer) {
        assertThat(answer.status()).as("status (body %s)", answer.body()).isEqualTo(status);
        return answer;
    }

    /** For answers read off a raw socket: checked against {@code template}'s GET here. */
    private RawHttp.Response expect(int status, RawHttp.Response answer, String template) {
        expect(status, answer);
        return contract().check("GET", template, answer, null, null);
    }

    private RawHttp.Response organizer(String method, String template, String path, String body) {
        return call(method, template, path, ORGANIZER_TOKEN, body == null ? null : JSON, body);
    }

    private RawHttp.Response ingest(String path, String type, String body) {
        return call("POST", path, path, INGEST_TOKEN, type, body);
    }

    private RawHttp.Response read(String template, String path) {
        return call("GET", template, path, null, null, null);
    }

    /** One request over HTTP/1.1, its answer checked against the document (and its body, when it succeeded). */
    RawHttp.Response call(String method, String template, String path, String token, String type, String body) {
        return call(method, template, path, token, type, body, true);
    }

    RawHttp.Response call(String method, String template, String path, String token, String type, String body,
            boolean checkRequest) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (type != null) {
            request.header("Content-Type", type);
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return contract().check(method, template, new RawHttp.Response(response.statusCode(),
                    headers(response.headers().map()), response.body()), type, checkRequest ? body : null);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static Map<String, String> headers(Map<String, List<String>> all) {
        Map<String, String> headers = new LinkedHashMap<>();
        all.forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
        return headers;
    }

    private RawHttp.Response webSocket(String path, String extraHeaders) {
        return RawHttp.exchange(port, handshake(path, extraHeaders));
    }

    private String handshake(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + extraHeaders + "\r\n";
    }

    /** A Server-Sent Events stream read line by line: its response head, then its messages' JSON. */
    private static final class SseStream implements AutoCloseable {

        private final HttpResponse<Stream<String>> response;
        private final Iterator<String> lines;

        private SseStream(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.lines = response.body().iterator();
        }

        static SseStream open(int port, String path) throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Accept", "text/event-stream").GET().build();
            return new SseStream(CLIENT.send(request, HttpResponse.BodyHandlers.ofLines()));
        }

        /** The head only: the body never ends. */
        RawHttp.Response head() {
            return new RawHttp.Response(response.statusCode(), headers(response.headers().map()), "");
        }

        String nextMessage() {
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("data:")) {
                    return line.substring("data:".length()).strip();
                }
            }
            throw new IllegalStateException("the stream ended");
        }

        @Override
        public void close() {
            response.body().close();
        }
    }
}
