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

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class CampaignApiIntegrationTests {

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_campaign_api", 1);
    }

    @Autowired
    WebTestClient http;

    private WebTestClient.ResponseSpec put(String path, String body) {
        return http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    @Test
    void createsThenUpdatesACampaign() {
        put("/api/campaigns/spring-gala", """
                {"title":"Spring gala","currency":"EUR","goalMinor":500000,"endsAt":"2026-12-01T18:00:00+01:00",
                 "openSignup":true,"story":"Food for all"}""")
                .expectStatus().isCreated()
                .expectBody()
                .jsonPath("$.id").isEqualTo("spring-gala")
                .jsonPath("$.currency").isEqualTo("EUR")
                .jsonPath("$.goalMinor").isEqualTo(500000)
                .jsonPath("$.endsAt").isEqualTo("2026-12-01T17:00:00Z")
                .jsonPath("$.openSignup").isEqualTo(true);
        put("/api/campaigns/spring-gala", """
                {"title":"Spring gala 2026","currency":"EUR","goalMinor":700000}""")
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.title").isEqualTo("Spring gala 2026")
                .jsonPath("$.story").isEmpty()
                .jsonPath("$.goalMinor").isEqualTo(700000)
                .jsonPath("$.openSignup").isEqualTo(false);
    }

    @Test
    void currencyIsFixedOnceCreated() {
        put("/api/campaigns/fixed-currency", """
                {"title":"Fixed","currency":"JPY","goalMinor":100000}""").expectStatus().isCreated();
        put("/api/campaigns/fixed-currency", """
                {"title":"Fixed","currency":"EUR","goalMinor":100000}""")
                .expectStatus().isEqualTo(409)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/currency-immutable");
    }

    @Test
    void namesEveryInvalidCampaignField() {
        put("/api/campaigns/Bad_Id", """
                {"title":"  ","currency":"EURO","goalMinor":12.5,"endsAt":"tomorrow","openSignup":"yes","color":"red"}""")
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("/problems/validation")
                .jsonPath("$.status").isEqualTo(400)
                .jsonPath("$.errors.length()").isEqualTo(7)
                .jsonPath("$.errors[?(@.field == 'campaignId')]").exists()
                .jsonPath("$.errors[?(@.field == 'title')]").exists()
                .jsonPath("$.errors[?(@.field == 'currency')]").exists()
                .jsonPath("$.errors[?(@.field == 'goalMinor')]").exists()
                .jsonPath("$.errors[?(@.field == 'endsAt')]").exists()
                .jsonPath("$.errors[?(@.field == 'openSignup')]").exists()
                .jsonPath("$.errors[?(@.field == 'color')]").exists();
        put("/api/campaigns/Bad_Id", "{}").expectStatus().isBadRequest();
        http.get().uri("/api/campaigns/Bad_Id").exchange().expectStatus().isNotFound();
    }

    @Test
    void unknownCurrencyCodeAndMissingFieldsAreRejected() {
        put("/api/campaigns/no-fields", "{}")
                .expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.errors[?(@.field == 'title')].message").isEqualTo("is required")
                .jsonPath("$.errors[?(@.field == 'currency')].message").isEqualTo("is required")
                .jsonPath("$.errors[?(@.field == 'goalMinor')].message").isEqualTo("is required");
        put("/api/campaigns/bad-code", """
                {"title":"x","currency":"XYZ","goalMinor":1}""")
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("currency");
        put("/api/campaigns/not-json", "{\"title\":").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.type").isEqualTo("/problems/malformed-body");
    }

    @Test
    void teamsAndFundraisersNeedTheirCampaignAndTeam() {
        put("/api/campaigns/ghost/teams/red", """
                {"name":"Red"}""").expectStatus().isNotFound()
                .expectBody().jsonPath("$.type").isEqualTo("/problems/not-found");
        put("/api/campaigns/ghost/fundraisers/alice", """
                {"displayName":"Alice"}""").expectStatus().isNotFound();
        put("/api/campaigns/relay/", "{}").expectStatus().isNotFound();
        put("/api/campaigns/relay", """
                {"title":"Relay","currency":"EUR","goalMinor":100000}""").expectStatus().isCreated();
        put("/api/campaigns/relay/fundraisers/alice", """
                {"displayName":"Alice","teamId":"blue"}""")
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.detail").isEqualTo("Team 'blue' does not exist in campaign 'relay'");
        put("/api/campaigns/relay/teams/blue", """
                {"name":"Blue"}""").expectStatus().isCreated();
        put("/api/campaigns/relay/teams/blue", """
                {"name":"Blue Whales"}""").expectStatus().isOk()
                .expectBody().jsonPath("$.name").isEqualTo("Blue Whales");
        put("/api/campaigns/relay/fundraisers/alice", """
                {"displayName":"Alice","teamId":"blue","goalMinor":20000,"story":"I run for them"}""")
                .expectStatus().isCreated()
                .expectBody()
                .jsonPath("$.teamId").isEqualTo("blue")
                .jsonPath("$.goalMinor").isEqualTo(20000);
        put("/api/campaigns/relay/fundraisers/alice", """
                {"displayName":"Alice B."}""").expectStatus().isOk()
                .expectBody().jsonPath("$.teamId").isEmpty();
        put("/api/campaigns/relay/fundraisers/bob", """
                {"displayName":"","goalMinor":0,"teamId":"Blue!"}""")
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors.length()").isEqualTo(3);
    }

    @Test
    void organizerRoutesNeedTheOrganizerToken() {
        http.put().uri("/api/campaigns/locked").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"title\":\"x\",\"currency\":\"EUR\",\"goalMinor\":1}")
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("/problems/unauthorized");
        http.put().uri("/api/campaigns/locked").headers(h -> h.setBearerAuth(TestServices.INGEST_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"title\":\"x\",\"currency\":\"EUR\",\"goalMinor\":1}")
                .exchange()
                .expectStatus().isUnauthorized();
    }
}
