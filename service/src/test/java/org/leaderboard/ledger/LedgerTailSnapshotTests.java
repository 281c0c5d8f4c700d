package org.leaderboard.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.TestServices;

/**
 * A clamped snapshot sees exactly what the current one sees below the bound and nothing from the
 * bound on; PostgreSQL itself judges visibility here.
 */
class LedgerTailSnapshotTests {

    @Test
    void clampKeepsTheViewBelowTheBoundAndHidesTheRest() throws SQLException {
        String cur = "100:200:105,150,199";
        String clamped = LedgerTail.clamp(cur, "160", "101");
        assertThat(clamped).isEqualTo("100:160:105,150");
        try (Connection db = TestServices.jdbc("postgres");
                PreparedStatement visible = db.prepareStatement(
                        "select pg_visible_in_snapshot(?::text::xid8, ?::pg_snapshot)")) {
            for (long xid = 90; xid < 210; xid++) {
                boolean inCur = visible(visible, xid, cur);
                boolean inClamped = visible(visible, xid, clamped);
                assertThat(inClamped).as("xid %d", xid).isEqualTo(inCur && xid < 160);
            }
        }
    }

    @Test
    void aBoundBelowXminLowersXminAndDropsEveryRunningTransaction() throws SQLException {
        String clamped = LedgerTail.clamp("300:320:301,310", "250", "240");
        assertThat(clamped).isEqualTo("250:250:");
        try (Connection db = TestServices.jdbc("postgres");
                PreparedStatement visible = db.prepareStatement(
                        "select pg_visible_in_snapshot(?::text::xid8, ?::pg_snapshot)")) {
            assertThat(visible(visible, 249, clamped)).isTrue();
            assertThat(visible(visible, 250, clamped)).isFalse();
        }
    }

    @Test
    void noUsefulBoundLeavesTheSnapshotAsItIs() {
        assertThat(LedgerTail.clamp("100:200:150", null, null)).isEqualTo("100:200:150");
        assertThat(LedgerTail.clamp("100:200:150", "120", "120")).as("one transaction up to the bound")
                .isEqualTo("100:200:150");
    }

    private static boolean visible(PreparedStatement statement, long xid, String snapshot) throws SQLException {
        statement.setString(1, Long.toString(xid));
        statement.setString(2, snapshot);
        try (ResultSet rs = statement.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
