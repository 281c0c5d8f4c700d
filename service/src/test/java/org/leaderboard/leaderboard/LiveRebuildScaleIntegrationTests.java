package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.await;
import static org.leaderboard.leaderboard.LiveApi.donation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.leaderboard.LiveApi.Answer;
import org.leaderboard.support.LedgerSums;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Rebuilds of many campaigns (hundreds: far more than any operator's prefetch) answer, the
 * automatic one after Redis lost its data as well as the organizer's, and donations accepted
 * afterwards still reach the totals.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LiveRebuildScaleIntegrationTests {

    static final String DB = "lbt_live_rebuild_scale";
    static final int REDIS_DB = 8;
    static final int CAMPAIGNS = 300;
    static final Duration CONVERGENCE = Duration.ofSeconds(30);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    ReactiveStringRedisTemplate redis;

    LiveApi api;

    final LedgerSums ledger = new LedgerSums(DB);

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
    }

    @Test
    void rebuildsOfHundredsOfCampaignsAnswerAndLaterDonationsReachTheTotals() {
        for (int c = 0; c < CAMPAIGNS; c++) {
            api.campaign("many-" + c, "Campaign " + c);
            api.fundraiser("many-" + c, "f1", "Fundraiser of " + c, null);
        }
        donateToEach("a");

        Map.Entry<Integer, Map<String, Object>> answer = api.rebuild().block(Duration.ofSeconds(60));
        assertThat(answer).as("the organizer's rebuild answered").isNotNull();
        assertThat(answer.getKey()).as("rebuild answered %s", answer.getValue()).isEqualTo(200);
        assertThat(LiveApi.number(answer.getValue().get("campaigns"))).isEqualTo(CAMPAIGNS);
        assertThat(LiveApi.number(answer.getValue().get("events"))).isEqualTo(CAMPAIGNS);
        donateToEach("b");
        assertEveryCampaignShowsTheLedger("after the organizer's rebuild");

        String markerBefore = redis.opsForValue().get(LiveKeys.MARKER_KEY).block(LiveApi.TIMEOUT);
        RedisDatabases.flush(REDIS_DB);
        String markerAfter = await(CONVERGENCE,
                () -> redis.opsForValue().get(LiveKeys.MARKER_KEY).block(LiveApi.TIMEOUT),
                value -> value != null);
        assertThat(markerAfter).as("the automatic rebuild after FLUSHDB finished").isNotNull()
                .isNotEqualTo(markerBefore);
        donateToEach("c");
        assertEveryCampaignShowsTheLedger("after the automatic rebuild");
    }

    /** One donation to each campaign, in batches of 100, all accepted. */
    private void donateToEach(String round) {
        List<String> batch = new ArrayList<>();
        for (int c = 0; c < CAMPAIGNS; c++) {
            batch.add(donation("many-" + round + "-" + c, "many-" + c, "f1", 100 + c));
            if (batch.size() == 100 || c == CAMPAIGNS - 1) {
                assertThat(api.postBatch(batch, false).block(LiveApi.TIMEOUT)).extracting(Answer::status)
                        .containsOnly("accepted");
                batch.clear();
            }
        }
    }

    private void assertEveryCampaignShowsTheLedger(String when) {
        for (int c = 0; c < CAMPAIGNS; c++) {
            String id = "many-" + c;
            LedgerSums.Totals want = ledger.totals(id);
            LiveApi.Totals expected = new LiveApi.Totals(want.raisedMinor(), want.donationCount(),
                    want.refundedMinor(), want.shareCount());
            LiveApi.Totals got = await(CONVERGENCE, () -> api.totals(id), expected::equals);
            assertThat(got).as("%s: totals of %s", when, id).isEqualTo(expected);
        }
    }
}
