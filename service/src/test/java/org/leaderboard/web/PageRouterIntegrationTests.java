package org.leaderboard.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The pages' routes over HTTP, on a small fixture build instead of the real frontend build. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class PageRouterIntegrationTests {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final Path FIXTURE = Path.of("src/test/resources/web-fixture");

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_pages", 4);
        registry.add("leaderboard.web.location", () -> "classpath:/web-fixture/");
    }

    @Autowired
    WebTestClient http;

    @LocalServerPort
    int port;

    /** Idempotent: PUT creates, then updates to the same. */
    private void campaignWithFundraiser() {
        http.put().uri("/api/campaigns/gala").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"title\":\"Gala\",\"currency\":\"EUR\",\"goalMinor\":100000}")
                .exchange().expectStatus().is2xxSuccessful();
        http.put().uri("/api/campaigns/gala/fundraisers/alice").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"displayName\":\"Alice\"}")
                .exchange().expectStatus().is2xxSuccessful();
    }

    private static byte[] fixture(String path) {
        try {
            return Files.readAllBytes(FIXTURE.resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void servesTheAppShellForEachPageOfAnExistingCampaign() {
        campaignWithFundraiser();
        for (String path : new String[] {"/c/gala", "/c/gala/screen", "/c/gala/join", "/c/gala/f/alice", "/organizer",
                "/"}) {
            http.get().uri(path).exchange()
                    .expectStatus().isOk()
                    .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                    .expectHeader().cacheControl(org.springframework.http.CacheControl.noStore())
                    .expectHeader().valueEquals("Content-Security-Policy", policy())
                    .expectBody().consumeWith(result -> assertThat(result.getResponseBody())
                            .isEqualTo(fixture("index.html")));
        }
    }

    private String policy() {
        return PageHandler.contentSecurityPolicy(URI.create("http://localhost:" + port + "/"));
    }

    @Test
    void contentSecurityPolicyAllowsNoInlineScript() {
        assertThat(policy()).contains("script-src 'self';").doesNotContain("unsafe-inline")
                .doesNotContain("unsafe-eval").contains("object-src 'none'")
                .contains("connect-src 'self' ws://localhost:" + port + ";");
        assertThat(PageHandler.contentSecurityPolicy(URI.create("https://give.example.org/c/gala")))
                .contains("connect-src 'self' wss://give.example.org;");
    }

    @Test
    void unknownCampaignsAndFundraisersGetTheNotFoundPage() {
        campaignWithFundraiser();
        for (String path : new String[] {"/c/nowhere", "/c/nowhere/screen", "/c/nowhere/join", "/c/gala/f/nobody",
                "/c/nowhere/f/alice", "/c/Not_An_Id"}) {
            http.get().uri(path).accept(MediaType.TEXT_HTML).exchange()
                    .expectStatus().isNotFound()
                    .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                    .expectHeader().valueEquals("Content-Security-Policy", policy())
                    .expectBody().consumeWith(result -> assertThat(result.getResponseBody())
                            .isEqualTo(fixture("not-found.html")));
        }
    }

    @Test
    void hashedAssetsAreKeptForAYearAndSentCompressedWhenTheClientTakesIt() throws Exception {
        http.get().uri("/assets/app-1a2b3c.js").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith("text/javascript")
                .expectHeader().valueEquals(HttpHeaders.CACHE_CONTROL, "max-age=31536000, public, immutable")
                .expectHeader().valueEquals(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING)
                .expectBody().consumeWith(result -> assertThat(result.getResponseBody())
                        .isEqualTo(fixture("assets/app-1a2b3c.js")));
        HttpResponse<byte[]> gzipped = get("/assets/app-1a2b3c.js", "br, gzip;q=0.8");
        assertThat(gzipped.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(gzipped.body()).isEqualTo(fixture("assets/app-1a2b3c.js.gz"));
        HttpResponse<byte[]> refused = get("/assets/app-1a2b3c.js", "gzip;q=0");
        assertThat(refused.headers().firstValue("content-encoding")).isEmpty();
        assertThat(refused.body()).isEqualTo(fixture("assets/app-1a2b3c.js"));
        HttpResponse<byte[]> plain = get("/assets/app-1a2b3c.js", null);
        assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
    }

    @Test
    void pagesAreSentCompressedToo() throws Exception {
        HttpResponse<byte[]> page = get("/organizer", "gzip, deflate");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(page.body()).isEqualTo(fixture("index.html.gz"));
    }

    /** A plain JDK client: it sends the Accept-Encoding given, and leaves the body as it came. */
    private HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (acceptEncoding != null) {
            request.header("Accept-Encoding", acceptEncoding);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void anUnknownAssetIsAProblemNotAPage() {
        for (String path : new String[] {"/assets/missing-123.js", "/assets/..%2Fapplication.yml",
                "/assets/.hidden"}) {
            http.get().uri(path).exchange()
                    .expectStatus().isNotFound()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        }
    }
}
