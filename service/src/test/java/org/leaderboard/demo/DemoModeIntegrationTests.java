package org.leaderboard.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.LedgerSums;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Demo mode against the real service, PostgreSQL and Redis, its time on a virtual clock the
 * test advances step by step: it creates the demo campaign (marked as a demo, with its donate
 * link, teams and fundraisers), logs the page's address, and its events go through the real
 * ingest path: none rejected, every one in the ledger, and the live totals equal the ledger's.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "leaderboard.demo.enabled=true", "leaderboard.demo.seed=11", "leaderboard.demo.first-surge=20s",
        "leaderboard.demo.refunds-per-gift=0.05" })
@ExtendWith(OutputCaptureExtension.class)
class DemoModeIntegrationTests {

    static final String DB = "lbt_demo";
    static final int REDIS_DB = 6;
    static final Duration PATIENCE = Duration.ofSeconds(20);
    static final VirtualTimeScheduler TIME = VirtualTimeScheduler.create();

    @TestConfiguration
    static class VirtualTime {

        @Bean
        DemoClock demoClock() {
            return new DemoClock(TIME);
        }
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    DemoMode demo;

    @Test
    @SuppressWarnings("unchecked")
    void createsTheDemoCampaignThenDrivesItsStreamThroughTheRealIngestPath(CapturedOutput output) {
        WebTestClient http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(PATIENCE).build();
        assertThat(Eventually.await(PATIENCE, () -> output.getOut(), out -> out.contains("/c/demo")))
                .as("the page's address at start-up").contains("http://localhost:" + port + "/c/demo");
        // The demo campaign's live state is set up as it is created: its figures read at once, no 503.
        http.get().uri("/api/campaigns/demo").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.demo").isEqualTo(true)
                .jsonPath("$.donateUrl").isEqualTo(DemoCast.DONATE_URL)
                .jsonPath("$.currency").isEqualTo("EUR")
                .jsonPath("$.story").isNotEmpty();
        http.get().uri("/api/campaigns/demo/leaderboards/teams").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.entries.length()").isEqualTo(DemoCast.TEAMS.size());

        // One minute of the demo, a step at a time: each step is submitted and answered before the
        // clock moves on. A step not answered within 2 s (or a tick before the demo subscribed to
        // the clock) is given another tick; a tick during a step is folded into the next step.
        long stepMillis = 250;
        int extraTicks = 0;
        for (int i = 0; i < 240; i++) {
            long before = demo.steps();
            TIME.advanceTimeBy(Duration.ofMillis(stepMillis));
            if (Eventually.await(Duration.ofSeconds(2), demo::steps, n -> n > before) == before) {
                assertThat(++extraTicks).as("ticks that found the demo busy or not started").isLessThan(60);
                i--;
            }
        }

        assertThat(demo.rejected()).as("every demo event passes the ingest's validation").isZero();
        LedgerSums.Totals ledger = new LedgerSums(DB).totals("demo");
        assertThat(ledger.donationCount()).as("a few a second and a 20 s surge").isBetween(200L, 2000L);
        assertThat(ledger.refundedMinor()).isPositive();
        assertThat(ledger.shareCount()).isPositive();
        assertThat(demo.accepted()).isEqualTo(new LedgerSums(DB).number(
                "select count(*) from ledger_events where campaign_id = 'demo'"));
        assertThat(new LedgerSums(DB).number("select count(*) from ledger_events where anonymous"))
                .isPositive();
        assertThat(new LedgerSums(DB).number(
                "select count(distinct message) from ledger_events where message in ('Allez, on lâche rien !',"
                        + " 'Courage pour la course !', 'Fière de toi !', 'Bravo pour ce beau projet 💪')"))
                .as("French messages").isPositive();
        assertThat(new LedgerSums(DB).number(
                "select count(distinct message) from ledger_events where message in ('Go for it!',"
                        + " 'So proud of you.', 'Every bit helps.', 'You''ve got this!')"))
                .as("English messages").isPositive();

        Map<String, Object> totals = Eventually.await(PATIENCE, () -> http.get().uri("/api/campaigns/demo/totals")
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody(),
                t -> ((Number) t.get("raisedMinor")).longValue() == ledger.raisedMinor());
        assertThat(((Number) totals.get("raisedMinor")).longValue()).as("Redis totals equal the ledger's")
                .isEqualTo(ledger.raisedMinor());
        assertThat(((Number) totals.get("donationCount")).longValue()).isEqualTo(ledger.donationCount());
        assertThat(((Number) totals.get("shareCount")).longValue()).isEqualTo(ledger.shareCount());
        Map<String, Object> board = http.get().uri("/api/campaigns/demo/leaderboards/fundraisers?limit=100")
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<Object>) board.get("entries")).hasSize(DemoCast.FUNDRAISERS.size());

        // The demo's sponsors: the pledge earns per share, the matching gift matches the gifts.
        long matched = new LedgerSums(DB).number("select coalesce(sum(amount_minor), 0) from match_allocations");
        long pledged = DemoCast.PLEDGE.earned(ledger.shareCount());
        assertThat(matched).as("the demo's gifts fall in its matching gift's window").isPositive();
        assertThat(((Number) totals.get("sponsorMinor")).longValue()).isEqualTo(pledged + matched);
        Map<String, Object> milestones = http.get().uri("/api/campaigns/demo/milestones").exchange().expectStatus()
                .isOk().expectBody(Map.class).returnResult().getResponseBody();
        assertThat((List<Object>) milestones.get("milestones")).hasSize(DemoCast.MILESTONES.size());
    }
}
