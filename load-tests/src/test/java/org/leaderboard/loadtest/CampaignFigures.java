package org.leaderboard.loadtest;

import java.net.http.HttpClient;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The exactness check of the viral simulations, by campaign rather than by event-id prefix (the
 * service builds share event ids itself): what the simulation saw accepted and counted, the read
 * API's totals and the ledger's sums must agree, as differences to before the run, so a reused
 * campaign works while nothing else writes to it. Then the sponsor's pledge: earned exactly
 * {@code min(cap, perShare x shares) + bonus} for the campaign's counted shares.
 */
final class CampaignFigures {

    private static final Duration WAIT = IngestChecks.API_CHECK_WAIT;

    private final String baseUrl;
    private final String campaignId;
    private final String jdbcUrl;
    private final String jdbcUser;
    private final String jdbcPassword;

    CampaignFigures(String baseUrl, String campaignId, String jdbcUrl, String jdbcUser, String jdbcPassword) {
        this.baseUrl = baseUrl;
        this.campaignId = campaignId;
        this.jdbcUrl = jdbcUrl;
        this.jdbcUser = jdbcUser;
        this.jdbcPassword = jdbcPassword;
    }

    /** What the simulation saw: accepted donations and their sum, accepted refunds' sum, counted shares. */
    record Expected(long donations, long donationSum, long refundSum, long shares, long unanswered) {
    }

    /** One side's figures: donations, net raised, refunded, shares (ledger: -1 when not read). */
    record Figures(long donations, long raisedMinor, long refundedMinor, long shares) {

        Figures minus(Figures before) {
            return new Figures(donations - before.donations, raisedMinor - before.raisedMinor,
                    refundedMinor - before.refundedMinor, shares - before.shares);
        }

        boolean matches(Expected e) {
            return donations == e.donations() && raisedMinor == e.donationSum() - e.refundSum()
                    && refundedMinor == e.refundSum() && shares == e.shares();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "donations=%d raised=%d refunded=%d shares=%d", donations, raisedMinor,
                    refundedMinor, shares);
        }
    }

    record Snapshot(Figures api, Figures ledger) {
    }

    Snapshot read(HttpClient client, boolean withLedger) throws Exception {
        return new Snapshot(api(client), withLedger ? ledger() : null);
    }

    Figures api(HttpClient client) throws Exception {
        JsonNode t = get(client, "/totals");
        return new Figures(t.path("donationCount").asLong(), t.path("raisedMinor").asLong(),
                t.path("refundedMinor").asLong(), t.path("shareCount").asLong());
    }

    Figures ledger() throws Exception {
        try (var c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
                var st = c.prepareStatement("select count(*) filter (where type = 'donation'),"
                        + " coalesce(sum(amount_minor) filter (where type = 'donation'), 0),"
                        + " coalesce(sum(amount_minor) filter (where type = 'refund'), 0),"
                        + " count(*) filter (where type = 'share') from ledger_events where campaign_id = ?")) {
            st.setString(1, campaignId);
            try (var rs = st.executeQuery()) {
                rs.next();
                long refunded = rs.getLong(3);
                return new Figures(rs.getLong(1), rs.getLong(2) - refunded, refunded, rs.getLong(4));
            }
        }
    }

    /**
     * Waits (at most 15 s) for the API to show what was seen, then compares seen, API and ledger.
     * Lines: {@code EXACTNESS (seen)}, {@code (api)}, {@code (ledger)}.
     */
    boolean check(HttpClient client, Snapshot before, Expected seen, boolean withLedger, StringBuilder out) {
        long started = System.nanoTime();
        Figures api;
        Figures ledger = null;
        try {
            while (true) {
                api = api(client).minus(before.api());
                if (api.matches(seen) || System.nanoTime() - started > WAIT.toNanos()) {
                    break;
                }
                Thread.sleep(200);
            }
            if (withLedger) {
                ledger = ledger().minus(before.ledger());
            }
        } catch (Exception e) {
            out.append("EXACTNESS: cannot read the API or the ledger (").append(jdbcUrl).append("): ")
                    .append(e.getMessage()).append(" (-DledgerCheck=false skips the ledger)\n");
            return false;
        }
        boolean ok = api.matches(seen) && (ledger == null || ledger.matches(seen));
        out.append(String.format(Locale.ROOT, "EXACTNESS seen:   donations=%d raised=%d refunded=%d shares=%d%n",
                seen.donations(), seen.donationSum() - seen.refundSum(), seen.refundSum(), seen.shares()));
        out.append(String.format(Locale.ROOT, "           api:    %s %s (after %d ms)%n", api,
                api.matches(seen) ? "OK" : "MISMATCH", (System.nanoTime() - started) / 1_000_000));
        out.append(String.format(Locale.ROOT, "           ledger: %s%n", ledger == null ? "skipped (-DledgerCheck=false)"
                : ledger + (ledger.matches(seen) ? " OK" : " MISMATCH")));
        if (!ok && seen.unanswered() > 0) {
            out.append(String.format(Locale.ROOT,
                    "           (%d requests went unanswered: the service may have recorded some of them)%n",
                    seen.unanswered()));
        }
        return ok;
    }

    /**
     * The pledge {@code sponsor} against its rule for the campaign's counted shares S (the totals'
     * {@code shareCount}): earned = min(cap, perShare x S) + (S >= atShares ? bonus : 0), remaining =
     * cap - min(cap, perShare x S), and the totals' {@code sponsorMinor} and {@code grandTotalMinor}
     * carrying it (the campaign has no other pledge and no match).
     */
    boolean checkPledge(HttpClient client, long perShare, long cap, long atShares, long bonus, StringBuilder out) {
        try {
            JsonNode totals = get(client, "/totals");
            JsonNode pledge = get(client, "/pledges").path("pledges").path(0);
            long shares = totals.path("shareCount").asLong();
            long perShareEarned = Math.min(cap, Math.multiplyExact(perShare, shares));
            boolean bonusPaid = shares >= atShares;
            long earned = perShareEarned + (bonusPaid ? bonus : 0);
            boolean ok = pledge.path("shareCount").asLong() == shares && pledge.path("earnedMinor").asLong() == earned
                    && pledge.path("remainingMinor").asLong() == cap - perShareEarned
                    && pledge.path("bonusPaid").asBoolean() == bonusPaid
                    && totals.path("sponsorMinor").asLong() == earned
                    && totals.path("grandTotalMinor").asLong() == totals.path("raisedMinor").asLong() + earned;
            out.append(String.format(Locale.ROOT,
                    "PLEDGE: shares=%d perShare=%d cap=%d bonus %d at %d -> expected earned=%d remaining=%d bonusPaid=%s;"
                            + " API earned=%d remaining=%d bonusPaid=%s shareCount=%d, totals sponsorMinor=%d"
                            + " grandTotalMinor=%d %s%n",
                    shares, perShare, cap, bonus, atShares, earned, cap - perShareEarned, bonusPaid,
                    pledge.path("earnedMinor").asLong(), pledge.path("remainingMinor").asLong(),
                    pledge.path("bonusPaid").asBoolean(), pledge.path("shareCount").asLong(),
                    totals.path("sponsorMinor").asLong(), totals.path("grandTotalMinor").asLong(),
                    ok ? "OK" : "MISMATCH"));
            return ok;
        } catch (Exception e) {
            out.append("PLEDGE: cannot read it: ").append(e.getMessage()).append('\n');
            return false;
        }
    }

    private JsonNode get(HttpClient client, String path) throws Exception {
        return IngestChecks.getJson(client, baseUrl + "/api/campaigns/" + campaignId + path);
    }
}
