package org.leaderboard.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The truth the live aggregates must equal, computed by SQL straight over a test database's
 * ledger (JDBC, not the service's code): a campaign's totals and net figures per fundraiser and team.
 */
public final class LedgerSums {

    private final String database;

    public LedgerSums(String database) {
        this.database = database;
    }

    /** The four totals, named as in the read API. */
    public record Totals(long raisedMinor, long donationCount, long refundedMinor, long shareCount) {
    }

    public Totals totals(String campaignId) {
        return query("""
                select coalesce(sum(case type when 'donation' then amount_minor when 'refund' then -amount_minor end), 0),
                       count(*) filter (where type = 'donation'),
                       coalesce(sum(amount_minor) filter (where type = 'refund'), 0),
                       count(*) filter (where type = 'share')
                from ledger_events where campaign_id = ?
                """, campaignId, rs -> {
            rs.next();
            return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
        });
    }

    /** Net amount raised per fundraiser of the campaign (every fundraiser, 0 included). */
    public Map<String, Long> fundraiserRaised(String campaignId) {
        return scores("""
                select f.id, coalesce(sum(case e.type when 'donation' then e.amount_minor
                                                      when 'refund' then -e.amount_minor end), 0)
                from fundraisers f left join ledger_events e on e.campaign_id = f.campaign_id and e.fundraiser_id = f.id
                where f.campaign_id = ? group by f.id
                """, campaignId);
    }

    /** Counted shares per fundraiser of the campaign (every fundraiser, 0 included). */
    public Map<String, Long> fundraiserShares(String campaignId) {
        return scores("""
                select f.id, count(e.seq)
                from fundraisers f left join ledger_events e on e.campaign_id = f.campaign_id and e.fundraiser_id = f.id
                    and e.type = 'share'
                where f.campaign_id = ? group by f.id
                """, campaignId);
    }

    /** Net amount raised per team by its current fundraisers (every team, 0 included). */
    public Map<String, Long> teamRaised(String campaignId) {
        return scores("""
                select t.id, coalesce(sum(case e.type when 'donation' then e.amount_minor
                                                      when 'refund' then -e.amount_minor end), 0)
                from teams t
                left join fundraisers f on f.campaign_id = t.campaign_id and f.team_id = t.id
                left join ledger_events e on e.campaign_id = f.campaign_id and e.fundraiser_id = f.id
                where t.campaign_id = ? group by t.id
                """, campaignId);
    }

    /** Display names of the campaign's fundraisers. */
    public Map<String, String> fundraiserNames(String campaignId) {
        return query("select id, display_name from fundraisers where campaign_id = ?", campaignId, rs -> {
            Map<String, String> names = new TreeMap<>();
            while (rs.next()) {
                names.put(rs.getString(1), rs.getString(2));
            }
            return names;
        });
    }

    /** Names of the campaign's teams. */
    public Map<String, String> teamNames(String campaignId) {
        return query("select id, name from teams where campaign_id = ?", campaignId, rs -> {
            Map<String, String> names = new TreeMap<>();
            while (rs.next()) {
                names.put(rs.getString(1), rs.getString(2));
            }
            return names;
        });
    }

    /** One number from a query without parameters, e.g. a count. */
    public long number(String sql) {
        try (Connection c = TestServices.jdbc(database); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(sql, ex);
        }
    }

    /** Runs a statement (DDL and the like) on the test database. */
    public void execute(String sql) {
        try (Connection c = TestServices.jdbc(database); Statement st = c.createStatement()) {
            st.execute(sql);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(sql, ex);
        }
    }

    private Map<String, Long> scores(String sql, String campaignId) {
        return query(sql, campaignId, rs -> {
            Map<String, Long> scores = new LinkedHashMap<>();
            while (rs.next()) {
                scores.put(rs.getString(1), rs.getLong(2));
            }
            return scores;
        });
    }

    private interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T query(String sql, String campaignId, Reader<T> reader) {
        try (Connection c = TestServices.jdbc(database); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, campaignId);
            try (ResultSet rs = ps.executeQuery()) {
                return reader.read(rs);
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException(sql, ex);
        }
    }
}
