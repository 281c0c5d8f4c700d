package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.donation;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code GET /api/campaigns} (the organizer console's list) against the real service, PostgreSQL
 * and Redis: every campaign with its details and live figures, newest first; its figures null,
 * never zero, while Redis holds no complete state. The marker is looked at once an hour here, so
 * a marker this test removes stays removed (no rebuild restores it behind the test's back).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "leaderboard.live.marker-check-interval=1h")
class CampaignListIntegrationTests {

    static final int REDIS_DB = 4;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_campaign_list", REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    ReactiveStringRedisTemplate redis;

    LiveApi api;
    WebTestClient http;

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
    }

    @Test
    void listsEveryCampaignWithItsLiveFiguresAndNullFiguresWhileRedisHoldsNoState() {
        api.campaign("cl-older", "Older");
        api.campaign("cl-newer", "Newer");
        api.fundraiser("cl-newer", "ana", "Ana", null);
        assertThat(api.post(donation("cl-1", "cl-newer", "ana", 2500)).block(LiveApi.TIMEOUT).status())
                .isEqualTo("accepted");
        assertThat(api.post(donation("cl-2", "cl-newer", null, 500)).block(LiveApi.TIMEOUT).status())
                .isEqualTo("accepted");
        List<Map<String, Object>> campaigns = LiveApi.await(LiveApi.TIMEOUT, this::campaigns,
                list -> list.size() == 2 && Long.valueOf(3000).equals(number(list.get(0).get("raisedMinor"))));
        assertThat(campaigns).extracting(c -> c.get("id")).containsExactly("cl-newer", "cl-older");
        assertThat(campaigns.get(0)).containsEntry("title", "Newer").containsEntry("currency", "EUR")
                .containsEntry("goalMinor", 1_000_000).containsEntry("raisedMinor", 3000)
                .containsEntry("donationCount", 2).containsEntry("shareCount", 0)
                .containsEntry("demo", false).containsKeys("donateUrl", "openSignup", "story", "createdAt");
        assertThat(campaigns.get(1)).as("a campaign with no gift yet: an exact zero")
                .containsEntry("raisedMinor", 0).containsEntry("donationCount", 0);

        // Both campaigns' live state gone (as after a FLUSHDB), unnoticed by the watcher until the rebuild below.
        redis.delete(LiveKeys.generationKey("cl-newer"), LiveKeys.generationKey("cl-older")).block(LiveApi.TIMEOUT);
        List<Map<String, Object>> withoutState = campaigns();
        assertThat(withoutState).extracting(c -> c.get("id")).containsExactly("cl-newer", "cl-older");
        assertThat(withoutState).allSatisfy(c -> assertThat(c).containsEntry("raisedMinor", null)
                .containsEntry("donationCount", null).containsEntry("shareCount", null));

        api.rebuild().block(LiveApi.TIMEOUT);
        assertThat(campaigns().get(0)).as("figures again once rebuilt").containsEntry("raisedMinor", 3000);
    }

    @Test
    void needsTheOrganizerToken() {
        http.get().uri("/api/campaigns").exchange().expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        http.get().uri("/api/campaigns").headers(h -> h.setBearerAuth(TestServices.INGEST_TOKEN)).exchange()
                .expectStatus().isUnauthorized();
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> campaigns() {
        Map<String, Object> body = http.get().uri("/api/campaigns").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return (List<Map<String, Object>>) body.get("campaigns");
    }

    static Long number(Object value) {
        return value == null ? null : ((Number) value).longValue();
    }
}
