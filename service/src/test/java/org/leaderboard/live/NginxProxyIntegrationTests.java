package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.leaderboard.LeaderboardApplication;
import org.leaderboard.live.StreamClient.Received;
import org.leaderboard.support.Nginx;
import org.leaderboard.support.RawHttp;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The production proxy: the repository's nginx configuration (deploy/nginx/nginx.conf), run by the
 * machine's nginx on loopback in front of two service instances on one ledger and one Redis, as
 * docker-compose.yml runs it. Through nginx only: spectators on a WebSocket (their page's own
 * origin) and on SSE get each gift posted through nginx within a second, whichever instance took
 * it; a page loads, its policy naming nginx's address for the stream; and a share's rate limit
 * counts the client's address (X-Forwarded-For from nginx, the one trusted proxy), not nginx's.
 */
class NginxProxyIntegrationTests {

    static final String DB = "lbt_nginx";
    static final int REDIS_DB = 3;
    static final Duration PATIENCE = Duration.ofSeconds(10);
    /** Shares a client may post to one instance before 429 (none refilled during the test). */
    static final int SHARE_BURST = 3;
    static final Path FIXTURE = Path.of("src/test/resources/web-fixture");
    static final Pattern ACCEPTED = Pattern.compile(
            "(?m)^leaderboard_ingest_events_total\\{reason=\"none\",status=\"accepted\"} ([0-9.E]+)$");

    static ConfigurableApplicationContext instanceA;
    static ConfigurableApplicationContext instanceB;
    static Nginx nginx;

    @BeforeAll
    static void start() {
        Optional<Path> executable = Nginx.executable();
        if (executable.isEmpty()) {
            String reason = "nginx is not installed, so the production proxy's configuration is NOT tested:"
                    + " apt-get install -y nginx (.ci/run installs it)";
            System.err.println("WARNING: NginxProxyIntegrationTests skipped: " + reason);
            Assumptions.abort(reason);
        }
        RedisDatabases.flush(REDIS_DB);
        String[] arguments = arguments();
        instanceA = application().run(arguments);
        instanceB = application().run(arguments);
        nginx = Nginx.start(executable.get(), List.of(port(instanceA), port(instanceB)));
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
        for (ConfigurableApplicationContext instance : new ConfigurableApplicationContext[] {instanceA, instanceB}) {
            if (instance != null) {
                instance.close();
            }
        }
    }

    @Test
    void spectatorsThroughNginxGetEveryGiftPostedThroughItWithinASecond() {
        PublicApi api = campaignWithAlice("nx-live");
        double acceptedBefore = accepted(instanceA) + accepted(instanceB);
        // The page's own origin: accepted only if nginx passes the browser's Host (port included).
        String pageOrigin = "http://127.0.0.1:" + nginx.port();
        try (StreamClient ws = StreamClient.webSocket(nginx.port(), "nx-live", pageOrigin).awaitOpen();
                StreamClient sse = StreamClient.sse(nginx.port(), "nx-live")) {
            assertThat(ws.next(PATIENCE).type()).isEqualTo("snapshot");
            assertThat(sse.next(PATIENCE).type()).isEqualTo("snapshot");

            long raised = 0;
            for (int i = 1; i <= 8; i++) {
                api.donate("nx-live", "nx-pay-" + i, 100L * i);
                long accepted = System.nanoTime();
                long expected = raised += 100L * i;
                for (StreamClient client : List.of(ws, sse)) {
                    Received update = client.await(PATIENCE, m -> m.total("raisedMinor") == expected);
                    assertThat(Duration.ofNanos(update.atNanos() - accepted))
                            .as("gift %d through nginx, seen by a spectator through nginx", i)
                            .isLessThan(Duration.ofSeconds(1));
                }
            }
            for (StreamClient client : List.of(ws, sse)) {
                List<Received> all = client.all();
                for (int i = 1; i < all.size(); i++) {
                    assertThat(all.get(i).seq()).as("gap-free").isEqualTo(all.get(i - 1).seq() + 1);
                }
            }
        }
        assertThat(accepted(instanceA) + accepted(instanceB) - acceptedBefore).isEqualTo(8);
        assertThat(accepted(instanceA)).as("gifts instance A took").isPositive();
        assertThat(accepted(instanceB)).as("gifts instance B took").isPositive();

        assertThatThrownBy(() -> StreamClient.webSocket(nginx.port(), "nx-live", "https://evil.example").awaitOpen())
                .as("another origin, through nginx").hasMessageContaining("403");
    }

    @Test
    void aPageLoadsThroughNginxAndOpensItsStreamThroughIt() throws Exception {
        byte[] page = Files.readAllBytes(FIXTURE.resolve("index.html"));
        byte[] script = Files.readAllBytes(FIXTURE.resolve("assets/app-1a2b3c.js"));
        PublicApi api = new PublicApi(nginx.port());
        api.organizer("/api/campaigns/nx-page", """
                {"title":"A page","currency":"EUR","goalMinor":100000}""");
        WebTestClient http = api.http;
        http.get().uri("/c/nx-page").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectHeader().cacheControl(CacheControl.noStore())
                .expectHeader().value("Content-Security-Policy", policy -> assertThat(policy)
                        .as("the page's stream goes to nginx's address").contains("ws://127.0.0.1:" + nginx.port()))
                .expectBody().consumeWith(result -> assertThat(result.getResponseBody()).isEqualTo(page));
        http.get().uri("/assets/app-1a2b3c.js").exchange()
                .expectStatus().isOk()
                .expectBody().consumeWith(result -> assertThat(result.getResponseBody()).isEqualTo(script));
        http.get().uri("/readyz").exchange().expectStatus().isOk();
        http.get().uri("/actuator/prometheus").exchange().expectStatus().isNotFound();
    }

    @Test
    void aSharesRateLimitCountsTheClientsAddressNotNginxs() {
        campaignWithAlice("nx-share");
        // Every share reaches an instance from nginx (127.0.0.1); the clients come from 127.0.0.2 and
        // 127.0.0.3. Each instance keeps its own budget per client, so 127.0.0.2 has SHARE_BURST on
        // each of the two, whichever way nginx spreads its posts.
        int counted = 0;
        for (int attempt = 0; counted < 2 * SHARE_BURST && attempt < 40; attempt++) {
            RawHttp.Response answer = share("127.0.0.2", null, "visitor-two-" + attempt);
            assertThat(answer.status()).as("share %d from 127.0.0.2", attempt).isIn(201, 429);
            counted += answer.status() == 201 ? 1 : 0;
        }
        assertThat(counted).as("shares counted for 127.0.0.2 by both instances").isEqualTo(2 * SHARE_BURST);
        for (int i = 0; i < 4; i++) {
            RawHttp.Response refused = share("127.0.0.2", null, "visitor-two-more-" + i);
            assertThat(refused.status()).as("127.0.0.2 past its budget").isEqualTo(429);
            assertThat(refused.header("Retry-After")).isNotBlank();
            assertThat(refused.isProblem()).as("a problem+json answer").isTrue();
            // nginx appends the address it sees, so a name the client gives itself changes nothing.
            assertThat(share("127.0.0.2", "198.51.100.7", "visitor-forged-" + i).status())
                    .as("127.0.0.2 naming another address in X-Forwarded-For").isEqualTo(429);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(share("127.0.0.3", null, "visitor-three-" + i).status())
                    .as("another client, through the same nginx").isEqualTo(201);
        }
    }

    /** Campaign {@code id} with fundraiser {@code alice}, created through nginx; its API through nginx. */
    private static PublicApi campaignWithAlice(String id) {
        PublicApi api = new PublicApi(nginx.port());
        api.organizer("/api/campaigns/" + id, """
                {"title":"Through the proxy","currency":"EUR","goalMinor":100000}""");
        api.organizer("/api/campaigns/" + id + "/fundraisers/alice", """
                {"displayName":"Alice"}""");
        return api;
    }

    /** A share posted through nginx from local address {@code from}, on a connection of its own. */
    private static RawHttp.Response share(String from, String forwardedFor, String visitorId) {
        String body = "{\"channel\":\"link\",\"visitorId\":\"" + visitorId + "\"}";
        try (RawHttp http = RawHttp.connect(from, nginx.port(), 10_000)) {
            http.send("POST /api/campaigns/nx-share/fundraisers/alice/shares HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + nginx.port() + "\r\n"
                    + (forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n")
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n"
                    + "Connection: close\r\n\r\n" + body);
            return http.response();
        }
    }

    /** Events the instance accepted so far, from its management port (never behind nginx). */
    private static double accepted(ConfigurableApplicationContext instance) {
        String metrics = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + instance.getEnvironment().getProperty("local.management.port")).build()
                .get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        Matcher matcher = ACCEPTED.matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    private static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(LeaderboardApplication.class).main(LeaderboardApplication.class);
    }

    /** As docker-compose.yml configures the instances: nginx trusted, no cap per address (all are nginx's). */
    private static String[] arguments() {
        Map<String, Object> properties = new LinkedHashMap<>();
        TestServices.isolate((name, value) -> properties.put(name, value.get()), DB, REDIS_DB);
        properties.put("leaderboard.http.trusted-proxies", "127.0.0.1/32");
        properties.put("leaderboard.edge.max-connections-per-address", 0);
        properties.put("leaderboard.web.location", "classpath:/web-fixture/");
        properties.put("leaderboard.share.burst", SHARE_BURST);
        properties.put("leaderboard.share.refill-every", "1h");
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0",
                "--spring.main.banner-mode=off"));
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args.toArray(String[]::new);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }
}
