package org.leaderboard.campaign;

import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * What the pages read of a campaign besides its figures: the donate link (an https page of the
 * charity's, checked and length-limited) and open signup, set by PUT and shown by GET; and the
 * demo mark, false for every campaign an organizer makes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class CampaignPageFieldsIntegrationTests {

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_campaign_pages", 1);
    }

    @Autowired
    WebTestClient http;

    private WebTestClient.ResponseSpec put(String path, String body) {
        return http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    @Test
    void donateUrlAndOpenSignupArePutAndRead() {
        put("/api/campaigns/gala", """
                {"title":"Gala","currency":"EUR","goalMinor":500000,"openSignup":true,
                 "donateUrl":"https://pay.example.org/gala?ref=page#top"}""")
                .expectStatus().isCreated()
                .expectBody()
                .jsonPath("$.donateUrl").isEqualTo("https://pay.example.org/gala?ref=page#top")
                .jsonPath("$.openSignup").isEqualTo(true)
                .jsonPath("$.demo").isEqualTo(false);
        http.get().uri("/api/campaigns/gala").exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.donateUrl").isEqualTo("https://pay.example.org/gala?ref=page#top")
                .jsonPath("$.openSignup").isEqualTo(true)
                .jsonPath("$.demo").isEqualTo(false);
        put("/api/campaigns/gala", """
                {"title":"Gala","currency":"EUR","goalMinor":500000}""")
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.donateUrl").isEmpty()
                .jsonPath("$.openSignup").isEqualTo(false);
    }

    @Test
    void aDonateUrlThatIsNotAPlainHttpsLinkIsRejectedAndChangesNothing() {
        put("/api/campaigns/kept", """
                {"title":"Kept","currency":"EUR","goalMinor":1000,"donateUrl":"https://pay.example.org/kept"}""")
                .expectStatus().isCreated();
        String[] bad = { "http://pay.example.org/kept", "javascript:alert(1)", "https://", "https:///path",
                "https://pay.example.org/a b", "https://charity.example@evil.example/", "ftp://x.example",
                "https://pay.example.org/" + "a".repeat(2100), "HTTPS//nothing" };
        for (String url : bad) {
            put("/api/campaigns/kept", "{\"title\":\"Changed\",\"currency\":\"EUR\",\"goalMinor\":1000,\"donateUrl\":\""
                    + url + "\"}")
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.type").isEqualTo("/problems/validation")
                    .jsonPath("$.errors.length()").isEqualTo(1)
                    .jsonPath("$.errors[0].field").isEqualTo("donateUrl");
        }
        put("/api/campaigns/kept", """
                {"title":"Changed","currency":"EUR","goalMinor":1000,"donateUrl":42}""")
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("donateUrl");
        http.get().uri("/api/campaigns/kept").exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.title").isEqualTo("Kept")
                .jsonPath("$.donateUrl").isEqualTo("https://pay.example.org/kept");
    }
}
