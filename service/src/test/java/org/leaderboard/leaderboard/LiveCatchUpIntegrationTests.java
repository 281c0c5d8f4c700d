package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.await;
import static org.leaderboard.leaderboard.LiveApi.donation;
import static org.leaderboard.leaderboard.LiveApi.ranked;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.leaderboard.LiveApi.Answer;
import org.leaderboard.support.LedgerFill;
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
 * A backlog past the catch-up threshold (events committed while the applier was stopped) is caught
 * up by aggregates, in one pass over the ledger as a rebuild does, not page by page; every figure
 * then equals the ledger's, each event counted once, and later events are applied page by page on
 * top of it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "leaderboard.live.catch-up-threshold=5000", "leaderboard.live.page-size=1000" })
class LiveCatchUpIntegrationTests {

    static final String DB = "lbt_live_catch_up";
    static final int REDIS_DB = 12;
    static final Duration CONVERGENCE = Duration.ofSeconds(30);
    static final int CAMPAIGNS = 3;
    static final int FUNDRAISERS = 12;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    LiveApplier applier;

    @Autowired
    ReactiveStringRedisTemplate redis;

    @Autowired
    MeterRegistry meters;

    LiveApi api;

    final LedgerSums ledger = new LedgerSums(DB);

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
    }

    @Test
    void aLargeBacklogIsCaughtUpByAggregatesExactlyOnce() {
        for (int c = 0; c < CAMPAIGNS; c++) {
            api.campaign("cu" + c, "Catch-up " + c);
            for (int f = 0; f < FUNDRAISERS; f++) {
                api.fundraiser("cu" + c, "f" + f, "Fundraiser " + c + "." + f, null);
            }
        }
        LedgerFill.fill(DB, "cu-", "cu", CAMPAIGNS, FUNDRAISERS, 1, 2_000); // below the threshold: page by page
        assertEveryCampaignShowsTheLedger("before the stop");
        double catchUpsBefore = counter("leaderboard.live.catch.ups");
        double rebuildsBefore = counter("leaderboard.live.rebuilds");

        applier.stop();
        try {
            LedgerFill.fill(DB, "cu-", "cu", CAMPAIGNS, FUNDRAISERS, 2_001, 60_000);
            post("during", 1);
        }
        finally {
            applier.start();
        }
        assertEveryCampaignShowsTheLedger("after the catch-up");
        assertThat(counter("leaderboard.live.catch.ups")).as("backlogs caught up by aggregates")
                .isEqualTo(catchUpsBefore + 1);
        assertThat(counter("leaderboard.live.rebuilds")).as("a catch-up is no rebuild of a lost state")
                .isEqualTo(rebuildsBefore);

        applier.drain().block(LiveApi.TIMEOUT);
        assertEveryCampaignShowsTheLedger("drained again: nothing counted twice");
        post("after", 2);
        assertEveryCampaignShowsTheLedger("donations after the catch-up");
        assertThat(counter("leaderboard.live.catch.ups")).as("small steps after it go page by page")
                .isEqualTo(catchUpsBefore + 1);
        assertThat(api.feed("cu0", 20).get(0)).as("the feed's newest donation")
                .containsEntry("amountMinor", 100 * 2 + 0);
    }

    /** {@code rounds} donations to each campaign's f1, through the API. */
    private void post(String prefix, int rounds) {
        List<String> events = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (int c = 0; c < CAMPAIGNS; c++) {
                events.add(donation("cu-" + prefix + "-" + r + "-" + c, "cu" + c, "f1", 100 * (r + 1) + c));
            }
        }
        assertThat(api.postBatch(events, false).block(LiveApi.TIMEOUT)).extracting(Answer::status)
                .containsOnly("accepted");
    }

    private void assertEveryCampaignShowsTheLedger(String when) {
        for (int c = 0; c < CAMPAIGNS; c++) {
            String id = "cu" + c;
            Map<String, Object> want = ledgerState(id);
            Map<String, Object> got = await(CONVERGENCE, () -> shown(id), want::equals);
            assertThat(got).as("%s: %s", when, id).isEqualTo(want);
        }
    }

    private Map<String, Object> shown(String c) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("totals", api.totals(c));
        state.put("fundraisers", api.page(c, "fundraisers", 0, 100));
        state.put("sharers", api.page(c, "sharers", 0, 100));
        return state;
    }

    private Map<String, Object> ledgerState(String c) {
        Map<String, String> names = ledger.fundraiserNames(c);
        LedgerSums.Totals t = ledger.totals(c);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("totals", new LiveApi.Totals(t.raisedMinor(), t.donationCount(), t.refundedMinor(), t.shareCount()));
        state.put("fundraisers", ranked(ledger.fundraiserRaised(c), names, false));
        state.put("sharers", ranked(ledger.fundraiserShares(c), names, false));
        return state;
    }

    private double counter(String name) {
        var counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }
}
