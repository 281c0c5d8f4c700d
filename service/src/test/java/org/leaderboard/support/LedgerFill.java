package org.leaderboard.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Fills a test database's ledger straight by SQL (one {@code INSERT … SELECT} over
 * {@code generate_series}), far faster than through the API: valid rows the writer could have
 * committed. Row {@code g} of campaign {@code <campaignPrefix><((g - 1) / 20) % campaigns>}: a
 * refund of 1 of donation {@code g - 1} when {@code g % 20 == 0}, else a share when
 * {@code g % 7 == 0}, else a donation of 1 + g % 5,000 (every tenth without a fundraiser), to
 * fundraiser {@code f<g % fundraisers>}. Ranges filled one after the other must be contiguous
 * (a refund's donation is the row before it). The same statement as load-tests/fill-ledger.sql.
 */
public final class LedgerFill {

    static final String FILL = """
            insert into ledger_events (event_id, type, campaign_id, fundraiser_id, amount_minor, currency,
                    donation_event_id, donor_name, anonymous, channel, visitor_id, occurred_at, payload_hash)
            select ? || g, x.t, ? || (((g - 1) / 20) % ?),
                   case when x.t = 'donation' and g % 10 = 3 then null
                        else 'f' || ((case when x.t = 'refund' then g - 1 else g end) % ?) end,
                   case x.t when 'share' then null when 'refund' then 1 else 1 + g % 5000 end,
                   case when x.t = 'share' then null else 'EUR' end,
                   case when x.t = 'refund' then ? || (g - 1) end,
                   case when x.t = 'donation' then 'Donor ' || g end,
                   x.t = 'donation' and g % 4 = 0,
                   case when x.t = 'share' then 'email' end,
                   case when x.t = 'share' then 'v' || g end,
                   now(),
                   sha256(convert_to(? || g, 'UTF8'))
            from generate_series(?::bigint, ?::bigint) g,
                 lateral (select case when g % 20 = 0 then 'refund' when g % 20 = 19 then 'donation'
                                      when g % 7 = 0 then 'share' else 'donation' end as t) x
            """;

    private LedgerFill() {
    }

    /** Rows {@code from}..{@code to} (inclusive) as described above, event ids {@code <eventPrefix><g>}. */
    public static void fill(String database, String eventPrefix, String campaignPrefix, int campaigns,
            int fundraisers, long from, long to) {
        try (Connection db = TestServices.jdbc(database); PreparedStatement insert = db.prepareStatement(FILL)) {
            insert.setString(1, eventPrefix);
            insert.setString(2, campaignPrefix);
            insert.setInt(3, campaigns);
            insert.setInt(4, fundraisers);
            insert.setString(5, eventPrefix);
            insert.setString(6, eventPrefix);
            insert.setLong(7, from);
            insert.setLong(8, to);
            insert.executeUpdate();
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Cannot fill the ledger of " + database, ex);
        }
    }
}
