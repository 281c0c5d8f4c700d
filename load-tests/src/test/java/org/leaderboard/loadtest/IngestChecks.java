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
