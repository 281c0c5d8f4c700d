package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.donation;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.leaderboard.LiveApi.Answer;
import org.leaderboard.ledger.LedgerTail;
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
 * A backlog (events committed while the applier was stopped) is applied in steps of about a page
 * each, not as one step whose every page rescans the whole backlog, and still exactly once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "leaderboard.live.page-size=100")
class LiveApplierBacklogIntegrationTests {

    static final String DB = "lbt_live_backlog";
    static final int REDIS_DB = 8;

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
    LedgerTail tail;

    LiveApi api;

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
    }

    @Test
    void aBacklogIsAppliedInPageSizedStepsExactlyOnce() throws SQLException {
        String c = "backlog";
        api.campaign(c, "Backlog");
        for (int f = 1; f <= 7; f++) {
            api.fundraiser(c, "f" + f, "Fundraiser " + f, null);
        }
        applier.drain().block(LiveApi.TIMEOUT);
        applier.stop();
        long sum = 0;
        try {
            // 40 requests one after the other: 40 transactions of 50 rows, 2,000 rows in all.
            for (int b = 0; b < 40; b++) {
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int n = b * 50 + i;
                    events.add(donation("bl-" + n, c, "f" + (1 + n % 7), 100 + n));
                    sum += 100 + n;
                }
                assertThat(api.postBatch(events, false).block(LiveApi.TIMEOUT)).extracting(Answer::status)
                        .containsOnly("accepted");
            }
            // The next step reaches only about a page past the last applied snapshot: here exactly
            // the first two transactions (the bound is the third one's id), not all 2,000 rows.
            String prev = prevSnapshot();
            String next = tail.nextSnapshot(prev, 100).block(LiveApi.TIMEOUT);
            assertThat(tail.page(prev, next, 0, 10_000).block(LiveApi.TIMEOUT)).hasSize(100);
            assertThat(tail.page(prev, tail.currentSnapshot().block(LiveApi.TIMEOUT), 0, 10_000)
                    .block(LiveApi.TIMEOUT)).as("unclamped").hasSize(2000);

            applier.drain().block(LiveApi.TIMEOUT);
        }
        finally {
            applier.start();
        }
        LiveApi.Totals totals = LiveApi.totals(api.get("/api/campaigns/" + c + "/totals"));
        assertThat(totals.donationCount()).isEqualTo(2000);
        assertThat(totals.raisedMinor()).isEqualTo(sum).isEqualTo(new LedgerSums(DB).totals(c).raisedMinor());
        applier.drain().block(LiveApi.TIMEOUT);
        assertThat(LiveApi.totals(api.get("/api/campaigns/" + c + "/totals")).donationCount())
                .as("drained again: nothing counted twice").isEqualTo(2000);
    }

    private static String prevSnapshot() throws SQLException {
        try (Connection db = TestServices.jdbc(DB); Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("select prev_snapshot::text from live_apply_progress")) {
            rows.next();
            return rows.getString(1);
        }
    }
}
