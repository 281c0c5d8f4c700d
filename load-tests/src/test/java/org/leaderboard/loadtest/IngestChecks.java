package org.leaderboard.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

/**
 * The set-up and end checks every ingest bench shares, the Gatling simulations ({@link IngestSimulation})
 * and the wrk benches ({@link WrkBench}) alike: the campaign and its fundraisers through the organizer
 * API; the LEDGER CHECK (the rows of a run's event-id prefix are exactly the accepted events, count and
 * sum); the API CHECK (the read API's totals and fundraisers board grew by exactly the accepted
 * donations within 15 s). A bench only has to count what the service answered.
 *
 * <p>The viral simulations ({@link ViralSimulation}) check by campaign instead of by event-id prefix
 * (the service builds share event ids itself): what they saw accepted and counted, the read API's
 * totals and the ledger's sums must agree, as differences to before the run, so a reused campaign
 * works while nothing else writes to it ({@link #check}); then the sponsor's pledge
 * ({@link #checkPledge}).
 */
final class IngestChecks {

    /** How long the API check waits for the read API to show the run's donations. */
    static final Duration API_CHECK_WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String campaignId;
    private final String jdbcUrl;
    private final String jdbcUser;
    private final String jdbcPassword;

    IngestChecks(String baseUrl, String campaignId, String jdbcUrl, String jdbcUser, String jdbcPassword) {
        this.baseUrl = baseUrl;
        this.campaignId = campaignId;
        this.jdbcUrl = jdbcUrl;
        this.jdbcUser = jdbcUser;
        this.jdbcPassword = jdbcPassword;
    }

    /** What the public read API says about the campaign; {@code boardSum} -1 when not read. */
    record ApiFigures(long donationCount, long raisedMinor, long boardSum, int boardEntries) {

        ApiFigures minus(ApiFigures before) {
            return new ApiFigures(donationCount - before.donationCount, raisedMinor - before.raisedMinor,
                    boardSum < 0 ? -1 : boardSum - before.boardSum, boardEntries);
        }
    }

    /**
     * PUTs the campaign (in {@link IngestSimulation#CURRENCY}) and its fundraisers {@code f-0} …
     * {@code f-<fundraisers-1>}; PUT, so a reused campaign id works.
     */
    void createCampaign(HttpClient client, String organizerToken, String title, int fundraisers) {
        organizerPut(client, organizerToken, "/api/campaigns/" + campaignId,
                "{\"title\":\"" + title + "\",\"currency\":\"" + IngestSimulation.CURRENCY
                        + "\",\"goalMinor\":100000000}");
        for (int i = 0; i < fundraisers; i++) {
            organizerPut(client, organizerToken, "/api/campaigns/" + campaignId + "/fundraisers/f-" + i,
                    "{\"displayName\":\"Bench fundraiser " + i + "\"}");
        }
    }

    /** PUT of an organizer resource ({@code path} from the API's root); 200 or 201, else it throws. */
    void organizerPut(HttpClient client, String organizerToken, String path, String json) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + organizerToken)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build();
        HttpResponse<String> res;
        try {
            res = client.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("PUT " + path + " failed: " + e, e);
        }
        if (res.statusCode() != 200 && res.statusCode() != 201) {
            throw new IllegalStateException(
                    "PUT " + path + " answered " + res.statusCode() + ": " + res.body());
        }
    }

    /**
     * LEDGER CHECK of one event-id prefix: {@code count(*)} and {@code sum(amount_minor)} of the
     * {@code ledger_events} rows whose id starts with {@code prefix} must equal what was accepted.
     */
    boolean ledger(String prefix, long accepted, long acceptedSum, StringBuilder out, String label)
            throws SQLException {
        long rows;
        long sum;
        try (var c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
                var st = c.prepareStatement("select count(*), coalesce(sum(amount_minor), 0)"
                        + " from ledger_events where event_id like ? escape '\\'")) {
            st.setString(1, prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            try (var rs = st.executeQuery()) {
                rs.next();
                rows = rs.getLong(1);
                sum = rs.getLong(2);
            }
        }
        boolean match = rows == accepted && sum == acceptedSum;
        out.append(String.format(Locale.ROOT, "%s: accepted=%d rows=%d acceptedSum=%d ledgerSum=%d %s%n",
                label, accepted, rows, acceptedSum, sum, match ? "OK" : "MISMATCH"));
        return match;
    }

    /**
     * API CHECK: polls the totals until they have grown by {@code accepted} donations and
     * {@code acceptedSum} since {@code before} (at most {@link #API_CHECK_WAIT}), then checks that the
     * fundraisers board grew by the same sum: every donation of these benches names a fundraiser,
     * so none counts in the totals only. Differences, so a reused campaign id works as long as
     * nobody else writes to the campaign during the run.
     *
     * @param unanswered events whose answer was not read: named in a mismatch, since the service
     *     may have committed some of them
     */
    boolean api(ApiFigures before, long accepted, long acceptedSum, long unanswered, StringBuilder out) {
        long acceptedWithFundraiserSum = acceptedSum;
        HttpClient client = IngestSimulation.httpClient();
        long started = System.nanoTime();
        long deadline = started + API_CHECK_WAIT.toNanos();
        ApiFigures delta;
        try {
            while (true) {
                ApiFigures now = apiFigures(client, false);
                boolean totalsMatch = now.donationCount - before.donationCount == accepted
                        && now.raisedMinor - before.raisedMinor == acceptedSum;
                boolean late = System.nanoTime() >= deadline;
                if (totalsMatch || late) {
                    // The board is only paged through once the totals are in, or for the report.
                    delta = apiFigures(client, true).minus(before);
                    boolean boardMatch = delta.boardSum == acceptedWithFundraiserSum;
                    if ((totalsMatch && boardMatch) || late) break;
                }
                Thread.sleep(200);
            }
        } catch (Exception e) {
            out.append("API CHECK: cannot read ").append(baseUrl).append(": ").append(e.getMessage())
                    .append(" (-DapiCheck=false skips the check)\n");
            return false;
        }
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        boolean totalsOk = delta.donationCount == accepted && delta.raisedMinor == acceptedSum;
        boolean boardOk = delta.boardSum == acceptedWithFundraiserSum;
        out.append(String.format(Locale.ROOT,
                "API CHECK: accepted=%d donationCount=%d acceptedSum=%d raisedMinor=%d %s (after %d ms)%n",
                accepted, delta.donationCount, acceptedSum, delta.raisedMinor,
                totalsOk ? "OK" : "MISMATCH", waitedMs));
        out.append(String.format(Locale.ROOT,
                "API CHECK (fundraisers board): acceptedSum=%d boardSum=%d (%d entries) %s%n",
                acceptedWithFundraiserSum, delta.boardSum, delta.boardEntries, boardOk ? "OK" : "MISMATCH"));
        if (before.donationCount != 0 || before.raisedMinor != 0 || before.boardSum != 0) {
            out.append(String.format(Locale.ROOT,
                    "           (campaign reused: differences to before the run, when totals showed"
                            + " donationCount=%d raisedMinor=%d boardSum=%d)%n",
                    before.donationCount, before.raisedMinor, before.boardSum));
        }
        if ((!totalsOk || !boardOk) && unanswered > 0) {
            out.append(String.format(Locale.ROOT,
                    "           (%d events went unanswered: the service may have committed some of them)%n",
                    unanswered));
        }
        return totalsOk && boardOk;
    }

    /** Totals, and with {@code board} the sum of the whole fundraisers board (pages of 100). */
    ApiFigures apiFigures(HttpClient client, boolean board) throws IOException, InterruptedException {
        String campaign = baseUrl + "/api/campaigns/" + campaignId;
        JsonNode totals = getJson(client, campaign + "/totals");
        long boardSum = -1;
        int entries = 0;
        if (board) {
            boardSum = 0;
            for (int offset = 0; ; offset += 100) {
                JsonNode page = getJson(client, campaign + "/leaderboards/fundraisers?limit=100&offset=" + offset)
                        .path("entries");
                for (JsonNode e : page) boardSum += e.path("score").asLong();
                entries += page.size();
                if (page.size() < 100) break;
            }
        }
        return new ApiFigures(totals.path("donationCount").asLong(), totals.path("raisedMinor").asLong(),
                boardSum, entries);
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
                if (api.matches(seen) || System.nanoTime() - started > API_CHECK_WAIT.toNanos()) {
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

    private JsonNode get(HttpClient client, String path) throws IOException, InterruptedException {
        return getJson(client, baseUrl + "/api/campaigns/" + campaignId + path);
    }

    static JsonNode getJson(HttpClient client, String url) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> res = client.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("GET " + url + " answered " + res.statusCode() + ": " + res.body());
        }
        return JSON.readTree(res.body());
    }
}
