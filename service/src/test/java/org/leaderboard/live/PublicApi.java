package org.leaderboard.live;

import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.json.JsonMapper;

/** The few API calls the Redis outage tests make against a running service, over HTTP. */
final class PublicApi {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    final WebTestClient http;

    PublicApi(int port) {
        this.http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
    }

    void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }

    /** A donation to fundraiser {@code alice} of campaign {@code c}, which must be accepted. */
    void donate(String c, String eventId, long amount) {
        http.post().uri("/api/events").headers(h -> h.setBearerAuth(INGEST_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(LiveStreamIntegrationTests.donationJson(c, eventId, "alice", amount, "Donor", false, null))
                .exchange().expectStatus().isAccepted();
    }

    /** The campaign's {@code raisedMinor}, which must be readable (200). */
    long raised(String c) {
        return raisedOf(http.get().uri("/api/campaigns/" + c + "/totals").exchange().expectStatus().isOk()
                .expectBody().returnResult());
    }

    @SuppressWarnings("unchecked")
    static long raisedOf(EntityExchangeResult<byte[]> result) {
        return ((Number) JSON.readValue(result.getResponseBody(), Map.class).get("raisedMinor")).longValue();
    }
}
