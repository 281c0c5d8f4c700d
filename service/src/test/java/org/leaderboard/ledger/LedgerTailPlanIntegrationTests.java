package org.leaderboard.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.TestServices;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The applier's page query costs the rows of its snapshot range, not the ledger: on a ledger of
 * 100,000 old rows, a page of the few new ones touches a handful of blocks, whatever its limit.
 * PostgreSQL's own EXPLAIN (ANALYZE, BUFFERS) counts the blocks, so the test does not time anything.
 * Plans that read every block of the ledger, seen before: walking the primary key in seq order
 * (what {@code order by seq} allowed for a small limit), and a seq scan chosen on a too-high
 * estimate for the newest transaction ids.
 */
class LedgerTailPlanIntegrationTests {

    private static final String DB = "lbt_tail_plan";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static String before;
    private static String after;
    private static final List<Long> NEW_SEQS = new ArrayList<>();

    @BeforeAll
    static void ledger() throws SQLException {
        TestServices.freshDatabase(DB);
        try (Connection db = TestServices.jdbc(DB)) {
            Flyway.configure().dataSource(db.getMetaData().getURL(), "postgres", "")
                    .locations("classpath:db/migration").load().migrate();
            try (Statement sql = db.createStatement()) {
                sql.execute("""
                        insert into ledger_events (event_id, type, campaign_id, fundraiser_id, amount_minor, currency,
                            occurred_at, payload_hash)
                        select 'old-' || g, 'donation', 'night-run', 'alice', 100, 'EUR', now(), '\\x00'
                        from generate_series(1, 100000) g""");
                sql.execute("analyze ledger_events");
                before = snapshot(sql);
                for (int i = 0; i < 5; i++) { // five transactions of their own, as five group commits
                    try (ResultSet rs = sql.executeQuery("""
                            insert into ledger_events (event_id, type, campaign_id, fundraiser_id, amount_minor,
                                currency, occurred_at, payload_hash)
                            values ('new-%d', 'donation', 'night-run', 'alice', 100, 'EUR', now(), '\\x00')
                            returning seq""".formatted(i))) {
                        rs.next();
                        NEW_SEQS.add(rs.getLong(1));
                    }
                }
                after = snapshot(sql);
            }
        }
    }

    @Test
    void aPageOfTheNewRowsReadsAFewBlocksWhateverItsLimit() throws SQLException {
        for (int limit : new int[] { 1, 5, 50_000 }) {
            JsonNode plan = explain(page(before, after, 0, limit));
            assertThat(plan.path("Actual Rows").asLong()).as("rows of a page limited to %d", limit)
                    .isEqualTo(Math.min(limit, 5));
            assertThat(plan.path("Shared Hit Blocks").asLong() + plan.path("Shared Read Blocks").asLong())
                    .as("blocks touched by a page limited to %d on a 100,000-row ledger:%n%s", limit, plan)
                    .isLessThan(50);
        }
    }

    @Test
    void aPageReturnsTheNewRowsInSeqOrderAfterTheCursor() throws SQLException {
        try (Connection db = TestServices.jdbc(DB); Statement sql = db.createStatement();
                ResultSet rs = sql.executeQuery(page(before, after, NEW_SEQS.get(1), 50_000))) {
            List<Long> seqs = new ArrayList<>();
            while (rs.next()) {
                seqs.add(rs.getLong("seq"));
            }
            assertThat(seqs).isEqualTo(NEW_SEQS.subList(2, 5));
        }
    }

    /**
     * Every step begins with the next-step query, now with the backlog estimate's two probes: a
     * few blocks on a 100,000-row ledger, and the estimate is the five new rows.
     */
    @Test
    void theNextStepAndItsBacklogEstimateReadAFewBlocks() throws SQLException {
        String query = LedgerTail.NEXT_STEP.replace("$1", "'" + before + "'").replace("$2", "50000");
        JsonNode plan = explain(query);
        assertThat(plan.path("Shared Hit Blocks").asLong() + plan.path("Shared Read Blocks").asLong())
                .as("blocks touched by the next-step query on a 100,000-row ledger:%n%s", plan).isLessThan(50);
        try (Connection db = TestServices.jdbc(DB); Statement sql = db.createStatement();
                ResultSet rs = sql.executeQuery(query)) {
            rs.next();
            assertThat(rs.getLong("last_seq") - rs.getLong("first_seq") + 1).as("backlog estimate").isEqualTo(5);
            assertThat(rs.getLong("last_seq")).as("ledger size estimate").isEqualTo(NEW_SEQS.get(4));
        }
    }

    /** The page query with its parameters as literals: the custom plan the applier forces. */
    private static String page(String prev, String cur, long cursor, int limit) {
        return LedgerTail.PAGE.replace("$1", "'" + prev + "'").replace("$2", "'" + cur + "'")
                .replace("$3", Long.toString(cursor)).replace("$4", Integer.toString(limit));
    }

    /** EXPLAIN ANALYZE of {@code query} under the settings of an applier step ({@link LedgerTail#lockProgress}). */
    private static JsonNode explain(String query) throws SQLException {
        try (Connection db = TestServices.jdbc(DB); Statement sql = db.createStatement()) {
            db.setAutoCommit(false);
            sql.execute(LedgerTail.STEP_SETTINGS);
            try (ResultSet rs = sql.executeQuery("explain (analyze, buffers, format json) " + query)) {
                rs.next();
                return JSON.readTree(rs.getString(1)).get(0).path("Plan");
            }
            finally {
                db.rollback();
            }
        }
    }

    private static String snapshot(Statement sql) throws SQLException {
        try (ResultSet rs = sql.executeQuery("select pg_current_snapshot()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
