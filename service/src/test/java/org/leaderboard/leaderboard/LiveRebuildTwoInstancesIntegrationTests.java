package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.await;
import static org.leaderboard.leaderboard.LiveApi.ranked;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.Test;
import org.leaderboard.LeaderboardApplication;
import org.leaderboard.support.LedgerFill;
import org.leaderboard.support.LedgerSums;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two service instances on one database and one Redis: after a FLUSHDB both watchers notice, and
 * both wait for the progress row (held here by the test, longer than the statement timeout of 1 s,
 * as a long rebuild elsewhere would). One rebuilds, exactly; the other, once it gets the row,
 * finds the marker back and rebuilds nothing.
 */
class LiveRebuildTwoInstancesIntegrationTests {

    static final String DB = "lbt_live_rebuild_two";
    static final int REDIS_DB = 14;
    static final Duration CONVERGENCE = Duration.ofSeconds(60);
    static final int CAMPAIGNS = 4;
    static final int FUNDRAISERS = 25;
    static final long EVENTS = 200_000;

    final LedgerSums ledger = new LedgerSums(DB);

    @Test
    void afterAFlushOnlyOneInstanceRebuildsAndNoStatementTimeoutStopsIt() throws SQLException {
        RedisDatabases.flush(REDIS_DB);
        String[] common = arguments();
        try (ConfigurableApplicationContext a = application().run(common);
                ConfigurableApplicationContext b = application().run(common)) {
            LiveApi api = new LiveApi(port(a));
            LiveApi onB = new LiveApi(port(b));
            for (int c = 0; c < CAMPAIGNS; c++) {
                api.campaign("two" + c, "Two " + c);
                for (int f = 0; f < FUNDRAISERS; f++) {
                    api.fundraiser("two" + c, "f" + f, "Fundraiser " + c + "." + f, null);
                }
            }
            LedgerFill.fill(DB, "two-", "two", CAMPAIGNS, FUNDRAISERS, 1, EVENTS);
            assertEveryCampaignShowsTheLedger(api, "before the flush");
            double rebuildsBefore = rebuilds(a) + rebuilds(b);

            try (Connection holder = TestServices.jdbc(DB)) {
                holder.setAutoCommit(false);
                try (Statement lock = holder.createStatement()) {
                    lock.execute("select * from live_apply_progress for update");
                }
                RedisDatabases.flush(REDIS_DB);
                // Both watchers wait for the row, for longer than the statement timeout.
                long waiting = await(CONVERGENCE, LiveRebuildTwoInstancesIntegrationTests::waitersPastTimeout,
                        n -> n >= 2);
                assertThat(waiting).as("rebuilds waiting for the progress row for more than 1.5 s").isEqualTo(2);
                holder.commit();
            }
            String marker = await(CONVERGENCE, () -> markerOf(a), value -> value != null);
            assertThat(marker).as("the marker after the rebuild").isNotNull();
            assertEveryCampaignShowsTheLedger(api, "after the rebuild, on A");
            assertEveryCampaignShowsTheLedger(onB, "after the rebuild, on B");
            // The instance that did not rebuild has had its turn at the row (no one waits any more).
            assertThat(await(CONVERGENCE, LiveRebuildTwoInstancesIntegrationTests::lockWaiters, n -> n == 0))
                    .isZero();
            assertThat(rebuilds(a) + rebuilds(b) - rebuildsBefore).as("rebuilds after one FLUSHDB, both instances")
                    .isEqualTo(1);
            assertThat(api.feed("two0", 100)).hasSize(100);
        }
    }

    private void assertEveryCampaignShowsTheLedger(LiveApi api, String when) {
        for (int c = 0; c < CAMPAIGNS; c++) {
            String id = "two" + c;
            Map<String, String> names = ledger.fundraiserNames(id);
            LedgerSums.Totals t = ledger.totals(id);
            Map<String, Object> want = new LinkedHashMap<>();
            want.put("totals", new LiveApi.Totals(t.raisedMinor(), t.donationCount(), t.refundedMinor(),
                    t.shareCount()));
            want.put("fundraisers", ranked(ledger.fundraiserRaised(id), names, false));
            want.put("sharers", ranked(ledger.fundraiserShares(id), names, false));
            Map<String, Object> got = await(CONVERGENCE, () -> {
                Map<String, Object> shown = new LinkedHashMap<>();
                shown.put("totals", api.totals(id));
                shown.put("fundraisers", api.page(id, "fundraisers", 0, 100));
                shown.put("sharers", api.page(id, "sharers", 0, 100));
                return shown;
            }, want::equals);
            assertThat(got).as("%s: %s", when, id).isEqualTo(want);
        }
    }

    private static long waitersPastTimeout() {
        return count("select count(*) from pg_stat_activity where datname = ? and wait_event_type = 'Lock'"
                + " and query like '%live_apply_progress%' and now() - query_start > interval '1.5 seconds'");
    }

    private static long lockWaiters() {
        return count("select count(*) from pg_stat_activity where datname = ? and wait_event_type = 'Lock'");
    }

    private static long count(String sql) {
        try (Connection db = TestServices.jdbc(DB); PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, DB);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String markerOf(ConfigurableApplicationContext context) {
        return context.getBean(org.springframework.data.redis.core.ReactiveStringRedisTemplate.class).opsForValue()
                .get(LiveKeys.MARKER_KEY).block(LiveApi.TIMEOUT);
    }

    private static double rebuilds(ConfigurableApplicationContext context) {
        var counter = context.getBean(MeterRegistry.class).find("leaderboard.live.rebuilds").counter();
        return counter == null ? 0 : counter.count();
    }

    private static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(LeaderboardApplication.class).main(LeaderboardApplication.class);
    }

    private static String[] arguments() {
        Map<String, Object> properties = new LinkedHashMap<>();
        TestServices.isolate((name, value) -> properties.put(name, value.get()), DB, REDIS_DB);
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0", "--spring.main.banner-mode=off",
                "--spring.r2dbc.properties.statementTimeout=PT1S", "--leaderboard.live.catch-up-threshold=10000"));
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args.toArray(String[]::new);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }
}
