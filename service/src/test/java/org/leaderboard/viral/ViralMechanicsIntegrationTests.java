package org.leaderboard.viral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.json.JsonMapper;

/**
 * The viral mechanics against the real service, PostgreSQL and Redis: sponsor pledges racing their
 * cap and paying their bonus once, matching gifts up to their cap under concurrent donations and
 * giving back what a refund releases to later donations only, milestones reached once and never
 * again after a refund, referrals credited net of refunds, moderation leaving the money counted,
 * the organizer API's problems, and a rebuild (requested, and after Redis lost everything)
 * reproducing every figure.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "leaderboard.read.max-age=0s")
class ViralMechanicsIntegrationTests {

    static final int REDIS_DB = 7;
    static final String DATABASE = "lbt_viral";
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DATABASE, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    WebTestClient http;

    @BeforeEach
    void http() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void concurrentSharesNeverPushAPledgePastItsCapAndItsBonusIsPaidOnce() throws Exception {
        campaign("pl-run");
        fundraiser("pl-run", "alice");
        assertThat(organizer("/api/campaigns/pl-run/pledges/food", """
                {"sponsor":"FoodCo","perShareMinor":50,"capMinor":1000,"bonus":{"atShares":30,"amountMinor":4000}}
                """)).isEqualTo(HttpStatus.CREATED);

        concurrently(25, i -> share("pl-run", "pl-s" + i));
        Map<String, Object> pledge = awaitPledge("pl-run", p -> number(p, "shareCount") == 25);
        assertThat(number(pledge, "earnedMinor")).as("25 x 50 = 1,250, capped").isEqualTo(1000);
        assertThat(number(pledge, "remainingMinor")).isZero();
        assertThat(pledge.get("bonusPaid")).isEqualTo(false);
        assertThat(number(totals("pl-run"), "sponsorMinor")).isEqualTo(1000);

        concurrently(10, i -> share("pl-run", "pl-t" + i));
        concurrently(10, i -> share("pl-run", "pl-t" + i));
        pledge = awaitPledge("pl-run", p -> number(p, "shareCount") == 35);
        assertThat(pledge.get("bonusPaid")).isEqualTo(true);
        assertThat(number(pledge, "earnedMinor")).as("the cap, and the bonus once").isEqualTo(5000);
        Map<String, Object> totals = totals("pl-run");
        assertThat(number(totals, "sponsorMinor")).isEqualTo(5000);
        assertThat(number(totals, "grandTotalMinor")).isEqualTo(5000);

        assertThat(organizer("/api/campaigns/pl-run/pledges/food", """
                {"sponsor":"FoodCo","perShareMinor":100,"capMinor":100000}
                """)).as("a PUT replaces the pledge: no bonus any more").isEqualTo(HttpStatus.OK);
        pledge = awaitPledge("pl-run", p -> number(p, "capMinor") == 100000);
        assertThat(number(pledge, "earnedMinor")).isEqualTo(3500);
        assertThat(pledge.get("bonus")).isNull();
    }

    @Test
    void matchesStopAtTheirCapUnderConcurrentDonationsAndARefundFreesMoneyForLaterDonationsOnly() throws Exception {
        campaign("mt-run");
        fundraiser("mt-run", "alice");
        Instant now = Instant.now();
        assertThat(organizer("/api/campaigns/mt-run/matches/double", """
                {"sponsor":"BankCo","ratio":1,"capMinor":3000,"startsAt":"%s","endsAt":"%s"}
                """.formatted(now.minusSeconds(3600), now.plusSeconds(3600)))).isEqualTo(HttpStatus.CREATED);

        donate("mt-1", "mt-run", 1000, null, null);
        donate("mt-2", "mt-run", 1500, null, null);
        donate("mt-old", "mt-run", 5000, null, now.minusSeconds(7200));
        Map<String, Object> match = awaitMatch("mt-run", m -> number(m, "matchedMinor") == 2500);
        assertThat(number(match, "remainingMinor")).isEqualTo(500);
        assertThat(match.get("ratio")).isEqualTo(1.0);

        donate("mt-3", "mt-run", 1000, null, null);
        match = awaitMatch("mt-run", m -> number(m, "remainingMinor") == 0);
        assertThat(number(match, "matchedMinor")).isEqualTo(3000);
        assertThat(allocations("mt-3")).as("only what remained of the cap").isEqualTo(500);
        assertThat(allocations("mt-old")).as("a gift before the window is not matched").isZero();

        refund("mt-r1", "mt-run", "mt-1", 1000);
        match = awaitMatch("mt-run", m -> number(m, "matchedMinor") == 2000);
        assertThat(allocations("mt-3")).as("the freed money does not go back to an earlier donation").isEqualTo(500);

        donate("mt-4", "mt-run", 2000, null, null);
        match = awaitMatch("mt-run", m -> number(m, "matchedMinor") == 3000);
        assertThat(allocations("mt-4")).as("a later donation takes the freed money").isEqualTo(1000);
        Map<String, Object> totals = totals("mt-run");
        assertThat(number(totals, "raisedMinor")).isEqualTo(1500 + 5000 + 1000 + 2000);
        assertThat(number(totals, "sponsorMinor")).isEqualTo(3000);
        assertThat(number(totals, "grandTotalMinor")).isEqualTo(9500 + 3000);

        assertThat(organizer("/api/campaigns/mt-run/matches/double", """
                {"sponsor":"BankCo","ratio":1,"capMinor":2999,"startsAt":"%s","endsAt":"%s"}
                """.formatted(now.minusSeconds(3600), now.plusSeconds(3600))))
                .as("a cap below what was matched").isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);

        // A second campaign: 40 donations of 100 at once against a cap of 3,000 at ratio 2.
        campaign("mt-race");
        fundraiser("mt-race", "alice");
        assertThat(organizer("/api/campaigns/mt-race/matches/triple", """
                {"sponsor":"BankCo","ratio":2,"capMinor":3000,"startsAt":"%s","endsAt":"%s"}
                """.formatted(now.minusSeconds(3600), now.plusSeconds(3600)))).isEqualTo(HttpStatus.CREATED);
        concurrently(40, i -> donate("mr-" + i, "mt-race", 100, null, null));
        match = awaitMatch("mt-race", m -> number(m, "remainingMinor") == 0);
        assertThat(number(match, "matchedMinor")).isEqualTo(3000);
        assertThat(sql("select sum(amount_minor) from match_allocations where campaign_id = 'mt-race'"))
                .isEqualTo(3000);
        assertThat(sql("select count(*) from match_allocations where campaign_id = 'mt-race'"))
                .as("15 donations matched 200 each").isEqualTo(15);
    }

    @Test
    void aMilestoneIsReachedOnceAndARefundBelowItNeverUnreachesIt() {
        campaign("ms-run");
        fundraiser("ms-run", "alice");
        assertThat(organizer("/api/campaigns/ms-run/milestones/first-k", """
                {"metric":"raisedMinor","threshold":1000,"label":"First thousand"}
                """)).isEqualTo(HttpStatus.CREATED);
        assertThat(organizer("/api/campaigns/ms-run/milestones/ten-shares", """
                {"metric":"shareCount","threshold":10,"label":"Ten shares"}
                """)).isEqualTo(HttpStatus.CREATED);
        assertThat(milestone("ms-run", "first-k").get("reachedAt")).isNull();

        donate("ms-1", "ms-run", 600, null, null);
        donate("ms-2", "ms-run", 600, null, null);
        Map<String, Object> reached = Eventually.await(PATIENCE, () -> milestone("ms-run", "first-k"),
                m -> m.get("reachedAt") != null);
        refund("ms-r", "ms-run", "ms-2", 600);
        Eventually.await(PATIENCE, () -> totals("ms-run"), t -> number(t, "raisedMinor") == 600);
        donate("ms-3", "ms-run", 600, null, null);
        Eventually.await(PATIENCE, () -> totals("ms-run"), t -> number(t, "raisedMinor") == 1200);
        assertThat(milestone("ms-run", "first-k").get("reachedAt")).as("reached once, at its first time")
                .isEqualTo(reached.get("reachedAt"));
        assertThat(sql("select count(*) from milestones where reached_at is not null and campaign_id = 'ms-run'"))
                .isEqualTo(1);
        assertThat(milestone("ms-run", "ten-shares").get("reachedAt")).isNull();

        assertThat(organizer("/api/campaigns/ms-run/milestones/low", """
                {"metric":"raisedMinor","threshold":100,"label":"Already there"}
                """)).isEqualTo(HttpStatus.CREATED);
        assertThat(milestone("ms-run", "low").get("reachedAt")).as("a milestone set below the total is reached at once")
                .isNotNull();
    }

    @Test
    void referralsCreditTheReferrerNetOfRefunds() {
        campaign("rf-run");
        fundraiser("rf-run", "alice");
        fundraiser("rf-run", "bob");
        donate("rf-1", "rf-run", 700, "bob", null);
        donate("rf-2", "rf-run", 300, "bob", null);
        donate("rf-3", "rf-run", 400, "alice", null);
        refund("rf-r", "rf-run", "rf-2", 100);
        Map<String, Object> board = Eventually.await(PATIENCE,
                () -> get("/api/campaigns/rf-run/leaderboards/referrals"),
                b -> !entries(b).isEmpty() && number(entries(b).get(0), "score") == 900);
        assertThat(entries(board)).extracting(e -> e.get("id")).containsExactly("bob", "alice");
        assertThat(number(get("/api/campaigns/rf-run/fundraisers/bob"), "referredMinor")).isEqualTo(900);
        assertThat(number(get("/api/campaigns/rf-run/fundraisers/alice"), "referredMinor")).isEqualTo(400);
    }

    @Test
    void aHiddenMessageLeavesTheFeedWhileTheMoneyStaysCounted() {
        campaign("md-run");
        donateWithMessage("md-1", "md-run", 500, "Go go go");
        donateWithMessage("md-2", "md-run", 700, "Something rude");
        Eventually.await(PATIENCE, () -> get("/api/campaigns/md-run/feed"), f -> entries(f).size() == 2);

        assertThat(http.post().uri("/api/campaigns/md-run/feed/md-2/hide").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody())
                .contains("\"hidden\":true");
        List<Map<String, Object>> feed = entries(get("/api/campaigns/md-run/feed"));
        assertThat(feed.get(0)).containsEntry("eventId", "md-2").doesNotContainKey("message");
        assertThat(feed.get(1)).containsEntry("message", "Go go go");
        assertThat(number(totals("md-run"), "raisedMinor")).isEqualTo(1200);
        Map<String, Object> queue = organizerGet("/api/campaigns/md-run/messages");
        assertThat(entries(queue, "messages")).extracting(m -> m.get("eventId"), m -> m.get("hidden"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("md-2", true),
                        org.assertj.core.groups.Tuple.tuple("md-1", false));
        assertThat(entries(queue, "messages").get(0)).containsEntry("message", "Something rude");

        http.post().uri("/api/campaigns/md-run/feed/md-2/unhide").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .exchange().expectStatus().isOk();
        assertThat(entries(get("/api/campaigns/md-run/feed")).get(0)).containsEntry("message", "Something rude");

        http.post().uri("/api/campaigns/md-run/feed/nope/hide").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .exchange().expectStatus().isNotFound();
        http.post().uri("/api/campaigns/md-run/feed/md-2/hide").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void badDefinitionsAreRefusedNamingEveryFieldAndChangeNothing() {
        campaign("bad-run");
        String problem = http.put().uri("/api/campaigns/bad-run/matches/m").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"sponsor\":\"\",\"ratio\":0.333,\"capMinor\":-1,\"startsAt\":\"2026-12-03T10:00:00Z\","
                        + "\"endsAt\":\"2026-12-03T09:00:00Z\",\"extra\":1}")
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(problem).contains("\"sponsor\"", "\"ratio\"", "\"capMinor\"", "\"endsAt\"", "\"extra\"");
        assertThat(organizer("/api/campaigns/bad-run/milestones/m", "{\"metric\":\"likes\",\"threshold\":0,\"label\":\"x\"}"))
                .isEqualTo(HttpStatus.BAD_REQUEST);
        // A ratio past a double's range is read as infinite: a 400 like any other bad ratio, not a 500.
        assertThat(organizer("/api/campaigns/bad-run/matches/m", "{\"sponsor\":\"S\",\"ratio\":1e400,\"capMinor\":5,"
                + "\"startsAt\":\"2026-12-03T09:00:00Z\",\"endsAt\":\"2026-12-03T10:00:00Z\"}")).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(organizer("/api/campaigns/bad-run/pledges/p",
                "{\"sponsor\":\"S\",\"perShareMinor\":1,\"capMinor\":5,\"bonus\":{\"atShares\":0}}"))
                .isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(organizer("/api/campaigns/nowhere/pledges/p", "{\"sponsor\":\"S\",\"perShareMinor\":1,\"capMinor\":5}"))
                .isEqualTo(HttpStatus.NOT_FOUND);
        http.put().uri("/api/campaigns/bad-run/pledges/p").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"sponsor\":\"S\",\"perShareMinor\":1,\"capMinor\":5}").exchange()
                .expectStatus().isUnauthorized();
        assertThat(sql("select count(*) from matches where campaign_id = 'bad-run'") + sql("select count(*) from pledges where campaign_id = 'bad-run'")
                + sql("select count(*) from milestones where campaign_id = 'bad-run'")).isZero();
        assertThat(get("/api/campaigns/bad-run/pledges")).isEqualTo(Map.of("pledges", List.of()));
    }

    @Test
    void aRebuildReproducesEveryViralFigureRequestedOrAfterRedisLostEverything() throws Exception {
        campaign("rb-run");
        fundraiser("rb-run", "alice");
        fundraiser("rb-run", "bob");
        Instant now = Instant.now();
        organizer("/api/campaigns/rb-run/pledges/p1", "{\"sponsor\":\"S\",\"perShareMinor\":30,\"capMinor\":100,"
                + "\"bonus\":{\"atShares\":3,\"amountMinor\":1000}}");
        organizer("/api/campaigns/rb-run/matches/m1", "{\"sponsor\":\"M\",\"ratio\":0.5,\"capMinor\":800,\"startsAt\":\""
                + now.minusSeconds(600) + "\",\"endsAt\":\"" + now.plusSeconds(600) + "\"}");
        organizer("/api/campaigns/rb-run/milestones/g1", "{\"metric\":\"grandTotalMinor\",\"threshold\":2000,\"label\":\"2k\"}");
        organizer("/api/campaigns/rb-run/milestones/g2", "{\"metric\":\"grandTotalMinor\",\"threshold\":99999,\"label\":\"far\"}");
        donate("rb-1", "rb-run", 1000, "bob", null);
        donate("rb-2", "rb-run", 900, "alice", null);
        refund("rb-r", "rb-run", "rb-1", 400);
        donateWithMessage("rb-3", "rb-run", 100, "hidden later");
        for (int i = 0; i < 4; i++) {
            share("rb-run", "rb-s" + i);
        }
        Eventually.await(PATIENCE, () -> totals("rb-run"), t -> number(t, "shareCount") == 4);
        http.post().uri("/api/campaigns/rb-run/feed/rb-3/hide").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .exchange().expectStatus().isOk();
        Map<String, Object> milestone = Eventually.await(PATIENCE, () -> milestone("rb-run", "g1"),
                m -> m.get("reachedAt") != null);
        List<Object> before = figures("rb-run");
        assertThat(number(totals("rb-run"), "sponsorMinor")).as("pledge 100 + bonus 1000; matched 500 + 300 - 200 released + 50")
                .isEqualTo(1100 + 650);

        http.post().uri("/api/admin/rebuild").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).exchange()
                .expectStatus().isOk();
        assertThat(figures("rb-run")).isEqualTo(before);

        RedisDatabases.flush(REDIS_DB);
        List<Object> after = Eventually.await(Duration.ofSeconds(20), () -> {
            try {
                return figures("rb-run");
            }
            catch (AssertionError unavailable) {
                return null;
            }
        }, figures -> figures != null && figures.equals(before));
        assertThat(after).isEqualTo(before);
        assertThat(milestone("rb-run", "g1").get("reachedAt")).isEqualTo(milestone.get("reachedAt"));
    }

    /** Everything the public reads show of a campaign's money and mechanics. */
    private List<Object> figures(String c) {
        Map<String, Object> totals = totals(c);
        totals.remove("updatedAt");
        return List.of(totals, get("/api/campaigns/" + c + "/pledges"), get("/api/campaigns/" + c + "/matches"),
                get("/api/campaigns/" + c + "/milestones"), get("/api/campaigns/" + c + "/leaderboards/referrals"),
                get("/api/campaigns/" + c + "/leaderboards/fundraisers"), get("/api/campaigns/" + c + "/feed"));
    }

    private void campaign(String id) {
        assertThat(organizer("/api/campaigns/" + id,
                "{\"title\":\"Run\",\"currency\":\"EUR\",\"goalMinor\":1000000}")).isEqualTo(HttpStatus.CREATED);
    }

    private void fundraiser(String c, String id) {
        assertThat(organizer("/api/campaigns/" + c + "/fundraisers/" + id, "{\"displayName\":\"" + id + "\"}"))
                .isEqualTo(HttpStatus.CREATED);
    }

    private HttpStatus organizer(String path, String body) {
        return HttpStatus.valueOf(http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().returnResult(String.class)
                .getStatus().value());
    }

    private void donate(String eventId, String c, long amount, String referrer, Instant occurredAt) {
        ingest("{\"type\":\"donation\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"" + c
                + "\",\"fundraiserId\":\"alice\",\"amountMinor\":" + amount + ",\"currency\":\"EUR\""
                + (referrer == null ? "" : ",\"referrerId\":\"" + referrer + "\"")
                + (occurredAt == null ? "" : ",\"occurredAt\":\"" + occurredAt + "\"") + "}");
    }

    private void donateWithMessage(String eventId, String c, long amount, String message) {
        ingest("{\"type\":\"donation\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"" + c + "\",\"amountMinor\":"
                + amount + ",\"currency\":\"EUR\",\"donorName\":\"Chloé\",\"message\":\"" + message + "\"}");
    }

    private void refund(String eventId, String c, String donation, long amount) {
        ingest("{\"type\":\"refund\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"" + c
                + "\",\"donationEventId\":\"" + donation + "\",\"amountMinor\":" + amount + "}");
    }

    private void share(String c, String eventId) {
        ingest("{\"type\":\"share\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"" + c
                + "\",\"fundraiserId\":\"alice\",\"channel\":\"facebook\",\"visitorId\":\"v-" + eventId + "\"}");
    }

    private void ingest(String json) {
        int status = http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange().returnResult(String.class)
                .getStatus().value();
        assertThat(status).as(json).isIn(200, 202);
    }

    private Map<String, Object> totals(String c) {
        return get("/api/campaigns/" + c + "/totals");
    }

    private Map<String, Object> awaitPledge(String c, java.util.function.Predicate<Map<String, Object>> done) {
        return Eventually.await(PATIENCE, () -> entries(get("/api/campaigns/" + c + "/pledges"), "pledges").get(0), done);
    }

    private Map<String, Object> awaitMatch(String c, java.util.function.Predicate<Map<String, Object>> done) {
        return Eventually.await(PATIENCE, () -> entries(get("/api/campaigns/" + c + "/matches"), "matches").get(0), done);
    }

    private Map<String, Object> milestone(String c, String id) {
        return entries(get("/api/campaigns/" + c + "/milestones"), "milestones").stream()
                .filter(m -> id.equals(m.get("id"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> get(String path) {
        byte[] body = http.get().uri(path).exchange().expectStatus().isOk().expectBody().returnResult()
                .getResponseBody();
        return JSON.readValue(body, Map.class);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> organizerGet(String path) {
        byte[] body = http.get().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).exchange().expectStatus()
                .isOk().expectBody().returnResult().getResponseBody();
        return JSON.readValue(body, Map.class);
    }

    private static List<Map<String, Object>> entries(Map<String, Object> json) {
        return entries(json, "entries");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> entries(Map<String, Object> json, String field) {
        return (List<Map<String, Object>>) json.get(field);
    }

    private static long number(Map<String, Object> json, String field) {
        return ((Number) json.get(field)).longValue();
    }

    /** The net allocation of one donation, from PostgreSQL. */
    private static long allocations(String donation) {
        return sql("select coalesce(sum(amount_minor), 0) from match_allocations where donation_event_id = '"
                + donation + "'");
    }

    private static long sql(String query) {
        try (Connection connection = TestServices.jdbc(DATABASE); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
        catch (java.sql.SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private interface Call {
        void run(int i) throws Exception;
    }

    private static void concurrently(int n, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    call.run(index);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        finally {
            pool.shutdown();
        }
    }
}
