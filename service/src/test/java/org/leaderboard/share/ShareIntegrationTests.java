package org.leaderboard.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.MutableClock;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * The public share endpoint against real PostgreSQL and Redis: a visitor's share counted once per
 * fundraiser, channel and UTC day of the service clock (moved a day on, counted again), channels
 * and visitors counted apart, the share count of the totals following within a second; the
 * per-client rate limit (429 with Retry-After) keyed by the TCP peer unless the peer is a trusted
 * proxy (here 127.0.0.1; a client bound to 127.0.0.2 is an untrusted peer), then by
 * X-Forwarded-For; the share link built from the forwarded origin only behind a trusted proxy;
 * bad bodies and unknown ids refused, and no ledger row for any refused request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.allow-bean-definition-overriding=true",
                "leaderboard.http.trusted-proxies=127.0.0.1/32, ::1/128",
                "leaderboard.share.burst=3", "leaderboard.share.refill-every=1h",
                "leaderboard.read.max-age=0s" })
class ShareIntegrationTests {

    static final String DB = "lbt_shares";
    static final int REDIS_DB = 2;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    /** Replaces the service's {@code clock} bean by one the test can move. */
    @TestConfiguration(proxyBeanMethods = false)
    static class MovableClock {

        @Bean
        MutableClock clock() {
            return new MutableClock();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    MutableClock clock;

    /** Connects from 127.0.0.1, the trusted proxy. */
    WebTestClient proxy;


    @BeforeEach
    void clients() {
        proxy = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
        clock.reset();
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    /** A client connecting from {@code localAddress} (127.0.0.2 and up: untrusted peers, each its own budget). */
    private WebTestClient direct(String localAddress) {
        HttpClient from = HttpClient.create().bindAddress(() -> new InetSocketAddress(localAddress, 0));
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(from)).baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
    }

    private void campaign(String c, String... fundraisers) {
        organizer("/api/campaigns/" + c, "{\"title\":\"" + c + "\",\"currency\":\"EUR\",\"goalMinor\":100000}");
        for (String f : fundraisers) {
            organizer("/api/campaigns/" + c + "/fundraisers/" + f, "{\"displayName\":\"" + f + "\"}");
        }
    }

    private void organizer(String path, String body) {
        proxy.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }

    private WebTestClient.ResponseSpec share(WebTestClient client, String forwardedFor, String c, String f,
            String body) {
        return client.post().uri("/api/campaigns/" + c + "/fundraisers/" + f + "/shares")
                .headers(h -> {
                    if (forwardedFor != null) {
                        h.add("X-Forwarded-For", forwardedFor);
                    }
                })
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec share(String forwardedFor, String c, String f, String channel, String visitor) {
        return share(proxy, forwardedFor, c, f, "{\"channel\":\"" + channel + "\",\"visitorId\":\"" + visitor + "\"}");
    }

    private static long ledgerShares(String where, Object... args) {
        try (Connection db = TestServices.jdbc(DB);
                PreparedStatement statement = db.prepareStatement(
                        "select count(*) from ledger_events where type = 'share' and " + where)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private long shareCount(String c) {
        Map<?, ?> totals = proxy.get().uri("/api/campaigns/" + c + "/totals").exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return ((Number) totals.get("shareCount")).longValue();
    }

    @Test
    void aVisitorsShareCountsOncePerDayAndAgainTheNextUtcDay() {
        campaign("daily", "alice");
        String link = "http://127.0.0.1:" + port + "/c/daily/f/alice?ref=alice&utm_source=facebook";
        share("198.51.100.10", "daily", "alice", "facebook", "visitor-0001").expectStatus().isCreated()
                .expectBody().json("{\"counted\":true,\"shareUrl\":\"" + link + "\",\"referralCode\":\"alice\"}", true);
        share("198.51.100.10", "daily", "alice", "facebook", "visitor-0001").expectStatus().isOk()
                .expectBody().json("{\"counted\":false,\"shareUrl\":\"" + link + "\",\"referralCode\":\"alice\"}", true);
        assertThat(ledgerShares("visitor_id = ?", "visitor-0001")).isEqualTo(1);

        clock.advance(Duration.ofDays(1));
        share("198.51.100.10", "daily", "alice", "facebook", "visitor-0001").expectStatus().isCreated()
                .expectBody().jsonPath("$.counted").isEqualTo(true);
        assertThat(ledgerShares("visitor_id = ?", "visitor-0001")).isEqualTo(2);
        assertThat(Eventually.await(Duration.ofSeconds(1), () -> shareCount("daily"), n -> n == 2)).isEqualTo(2);
    }

    @Test
    void channelsVisitorsAndFundraisersCountApartAndTheTotalsFollowWithinASecond() {
        campaign("apart", "alice", "bob");
        share("198.51.100.20", "apart", "alice", "facebook", "visitor-A_1").expectStatus().isCreated();
        share("198.51.100.20", "apart", "alice", "x", "visitor-A_1").expectStatus().isCreated();
        share("198.51.100.20", "apart", "alice", "facebook", "visitor-B_2").expectStatus().isCreated();
        share("198.51.100.21", "apart", "bob", "facebook", "visitor-A_1").expectStatus().isCreated()
                .expectBody().jsonPath("$.shareUrl")
                .isEqualTo("http://127.0.0.1:" + port + "/c/apart/f/bob?ref=bob&utm_source=facebook");
        assertThat(Eventually.await(Duration.ofSeconds(1), () -> shareCount("apart"), n -> n == 4)).isEqualTo(4);
        share("198.51.100.21", "apart", "alice", "x", "visitor-A_1").expectStatus().isOk()
                .expectBody().jsonPath("$.counted").isEqualTo(false);
        assertThat(ledgerShares("campaign_id = ?", "apart")).isEqualTo(4);
    }

    @Test
    void twentyConcurrentRepeatsOfOneShareCountItOnce() {
        campaign("race", "alice");
        List<Integer> statuses = Flux.range(0, 20)
                .flatMap(i -> Mono.fromCallable(() -> proxy.post().uri("/api/campaigns/race/fundraisers/alice/shares")
                        .header("X-Forwarded-For", "198.51.100." + (150 + i))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"channel\":\"facebook\",\"visitorId\":\"visitor-race\"}")
                        .exchange().returnResult(String.class).getStatus().value())
                        .subscribeOn(Schedulers.boundedElastic()), 20)
                .collectList().block(Duration.ofSeconds(30));
        assertThat(statuses).containsOnly(201, 200);
        assertThat(statuses.stream().filter(status -> status == 201)).hasSize(1);
        assertThat(ledgerShares("campaign_id = ?", "race")).isEqualTo(1);
    }

    @Test
    void theRateLimitAnswers429WithRetryAfterPerForwardedClientBehindATrustedProxy() {
        campaign("limited", "alice");
        for (int i = 0; i < 3; i++) {
            share("198.51.100.30", "limited", "alice", "email", "visitor-L" + i + "xxxx").expectStatus().isCreated();
        }
        share("198.51.100.30", "limited", "alice", "email", "visitor-over-limit").expectStatus().isEqualTo(429)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().value("Retry-After", value -> assertThat(Long.parseLong(value)).isBetween(3500L, 3600L))
                .expectHeader().valueEquals("Connection", "close")
                .expectBody().jsonPath("$.type").isEqualTo("/problems/rate-limited");
        // The proxy appended the real client; what the client wrote left of it does not buy a new budget.
        share("203.0.113.99, 198.51.100.30", "limited", "alice", "email", "visitor-over-limit").expectStatus()
                .isEqualTo(429);
        // Another client behind the same proxy has its own budget.
        share("198.51.100.31", "limited", "alice", "email", "visitor-other-client").expectStatus().isCreated();
        assertThat(ledgerShares("visitor_id = ?", "visitor-over-limit")).isZero();
        assertThat(ledgerShares("campaign_id = ?", "limited")).isEqualTo(4);
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreIgnored() {
        campaign("direct", "alice");
        WebTestClient direct = direct("127.0.0.2");
        for (int i = 0; i < 3; i++) {
            share(direct, "198.51.100." + (40 + i), "direct", "alice",
                    "{\"channel\":\"link\",\"visitorId\":\"visitor-D" + i + "xxxx\"}").expectStatus().isCreated();
        }
        share(direct, "198.51.100.49", "direct", "alice", "{\"channel\":\"link\",\"visitorId\":\"visitor-D9xxxx\"}")
                .expectStatus().isEqualTo(429).expectHeader().exists("Retry-After");
        // Nor do they change the link it is handed.
        direct.post().uri("/api/campaigns/direct/fundraisers/alice/shares")
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "evil.example")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"channel\":\"link\",\"visitorId\":\"visitor-D0xxxx\"}")
                .exchange().expectStatus().isEqualTo(429);
        assertThat(ledgerShares("visitor_id = ?", "visitor-D9xxxx")).isZero();
    }

    @Test
    void theShareLinkFollowsTheOriginATrustedProxyReports() {
        campaign("origin", "alice");
        WebTestClient direct = direct("127.0.0.3");
        proxy.post().uri("/api/campaigns/origin/fundraisers/alice/shares")
                .header("X-Forwarded-For", "198.51.100.50")
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "dons.example.org")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"channel\":\"whatsapp\",\"visitorId\":\"visitor-O1\"}")
                .exchange().expectStatus().isCreated().expectBody().jsonPath("$.shareUrl")
                .isEqualTo("https://dons.example.org/c/origin/f/alice?ref=alice&utm_source=whatsapp");
        direct.post().uri("/api/campaigns/origin/fundraisers/alice/shares")
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "evil.example")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"channel\":\"whatsapp\",\"visitorId\":\"visitor-O2\"}")
                .exchange().expectStatus().isCreated().expectBody().jsonPath("$.shareUrl")
                .isEqualTo("http://127.0.0.1:" + port + "/c/origin/f/alice?ref=alice&utm_source=whatsapp");
    }

    @Test
    void badBodiesAre400NamingTheFieldsAndUnknownIds404AndNothingIsWritten() {
        campaign("strict", "alice");
        long before = ledgerShares("true");
        Map<String, List<String>> bad = Map.of(
                "{}", List.of("channel", "visitorId"),
                "{\"channel\":\"myspace\",\"visitorId\":\"visitor-0001\"}", List.of("channel"),
                "{\"channel\":\"x\",\"visitorId\":\"short\"}", List.of("visitorId"),
                "{\"channel\":\"x\",\"visitorId\":\"visitor 0001\"}", List.of("visitorId"),
                "{\"channel\":\"x\",\"visitorId\":\"" + "v".repeat(65) + "\"}", List.of("visitorId"),
                "{\"channel\":\"x\",\"visitorId\":12345678}", List.of("visitorId"),
                "{\"channel\":\"x\",\"visitorId\":\"visitor-0001\",\"eventId\":\"mine\"}", List.of("eventId"));
        int client = 0;
        for (Map.Entry<String, List<String>> body : bad.entrySet()) {
            share(proxy, "198.51.100." + (100 + client++), "strict", "alice", body.getKey())
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.type").isEqualTo("/problems/validation")
                    .jsonPath("$.errors[*].field").value(fields -> assertThat(fields).as(body.getKey())
                            .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                            .containsExactlyInAnyOrderElementsOf(body.getValue()));
        }
        for (String notAnObject : List.of("[]", "\"x\"", "{\"channel\":")) {
            share(proxy, "198.51.100." + (100 + client++), "strict", "alice", notAnObject)
                    .expectStatus().isBadRequest();
        }
        String good = "{\"channel\":\"x\",\"visitorId\":\"visitor-0001\"}";
        for (String path : List.of("nowhere/fundraisers/alice", "strict/fundraisers/nobody", "Strict/fundraisers/alice",
                "strict/fundraisers/-x")) {
            proxy.post().uri("/api/campaigns/" + path + "/shares").header("X-Forwarded-For", "198.51.100." + (100 + client++))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(good).exchange()
                    .expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
        assertThat(ledgerShares("true")).isEqualTo(before);
    }
}
