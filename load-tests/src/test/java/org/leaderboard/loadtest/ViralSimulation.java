package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.tryMax;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/**
 * What the viral simulations ({@link ViralSurgeSimulation}, {@link ShareStormSimulation}) share:
 * their parameters, a fresh campaign with fundraisers and a sponsor's pledge per share, public
 * shares from many visitors (each with its own client address in {@code X-Forwarded-For}, for a
 * service that trusts the load generator as its proxy), and the end checks: what the simulation
 * saw accepted and counted equals the read API's totals and the ledger's sums, and the pledge
 * earned exactly what its rule says for the counted shares, never more than its cap.
 */
abstract class ViralSimulation extends Simulation {

    static final ObjectMapper JSON = new ObjectMapper();

    final String baseUrl = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    final String ingestToken = System.getProperty("ingestToken", envOr("LEADERBOARD_INGEST_TOKEN", ""));
    final String organizerToken = System.getProperty("organizerToken", envOr("LEADERBOARD_ORGANIZER_TOKEN", ""));
    final long startedAt = System.currentTimeMillis();
    final String runId = "run-" + startedAt;
    final String campaignId;
    final int fundraisers = Integer.getInteger("fundraisers", 50);
    final int p99Ms;
    final String jdbcUrl = System.getProperty("jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/leaderboard");
    final String jdbcUser = System.getProperty("jdbcUser", "postgres");
    final String jdbcPassword = System.getProperty("jdbcPassword", envOr("PGPASSWORD", "postgres"));
    final boolean ledgerCheck = Boolean.parseBoolean(System.getProperty("ledgerCheck", "true"));
    final long perShareMinor = Long.getLong("pledgePerShareMinor", 50);
    final long capMinor;
    final long bonusAtShares;
    final long bonusMinor = Long.getLong("pledgeBonusMinor", 400_000);
    final ShareTraffic shares;
    final int retries = Integer.getInteger("retries", 2);
    final IngestChecks figures;
    private IngestChecks.Snapshot before;
    private final AtomicLong pledgeReads = new AtomicLong();
    private final AtomicReference<String> pledgeOverCap = new AtomicReference<>();

    ViralSimulation(String campaignPrefix, int defaultP99Ms, long defaultCapMinor, long defaultBonusAtShares) {
        campaignId = System.getProperty("campaignId", campaignPrefix + "-" + startedAt);
        p99Ms = Integer.getInteger("p99Ms", defaultP99Ms);
        capMinor = Long.getLong("pledgeCapMinor", defaultCapMinor);
        bonusAtShares = Long.getLong("pledgeBonusAtShares", defaultBonusAtShares);
        shares = new ShareTraffic(runId, fundraisers, Integer.getInteger("visitors", 20_000),
                Double.parseDouble(System.getProperty("repeatShare", "0.25")));
        figures = new IngestChecks(baseUrl, campaignId, jdbcUrl, jdbcUser, jdbcPassword);
    }

    /** Public traffic: no token, and connections shared by the open model's one-request users. */
    HttpProtocolBuilder protocol() {
        return http.baseUrl(baseUrl)
                .wsBaseUrl(baseUrl.replaceFirst("^http", "ws"))
                // Spectators take stock of the updates that arrived between their checks: Gatling keeps
                // them only with a buffer (the service sends at most 10 a second per campaign).
                .wsUnmatchedInboundMessageBufferSize(1_000)
                .disableWarmUp()
                .acceptHeader("application/json")
                .contentTypeHeader("application/json")
                .shareConnections();
    }

    /** One click on a share button: a visitor (new, or one sharing the same thing again) and its address. */
    ChainBuilder share(boolean silent) {
        HttpRequestActionBuilder request = http(silent ? "share (warm-up)" : "share")
                .post(s -> "/api/campaigns/" + campaignId + "/fundraisers/" + s.getString("fundraiser") + "/shares")
                .header("X-Forwarded-For", s -> s.getString("address"))
                .body(StringBody(s -> "{\"channel\":\"" + s.getString("channel") + "\",\"visitorId\":\""
                        + s.getString("visitor") + "\"}"))
                .check(status().in(200, 201), bodyString().saveAs("answer"));
        return exec(s -> shares.next().into(s))
                .exec(retried(silent ? request.silent() : request))
                .exec(shares::record);
    }

    /**
     * A write sent again, the same payload, when it failed (a 503, a timeout), as payment integrations
     * and browsers retry: up to {@code retries} (2) more times, a second apart. The service counts an id
     * once, so a retry of a write that was in fact recorded answers {@code duplicate} (or
     * {@code counted:false}) instead of being lost to the count. Every failed attempt stays a KO in
     * Gatling's statistics, so it still fails the run's assertion.
     */
    ChainBuilder retried(HttpRequestActionBuilder write) {
        return tryMax(retries + 1, "attempt").on(
                doIf(s -> s.getInt("attempt") > 0).then(pause(Duration.ofSeconds(1))).exec(write));
    }

    /**
     * A sponsor's page reading the pledge during the run: every answer must show the per-share
     * earnings within the cap (remainingMinor never negative, earned never past cap plus bonus).
     */
    ChainBuilder watchPledge() {
        return exec(http("pledges").get("/api/campaigns/" + campaignId + "/pledges")
                        .check(status().is(200), bodyString().saveAs("answer")))
                .exec(s -> {
                    JsonNode pledge = answer(s);
                    if (pledge != null) {
                        pledge = pledge.path("pledges").path(0);
                        long earned = pledge.path("earnedMinor").asLong();
                        long bonus = pledge.path("bonusPaid").asBoolean() ? bonusMinor : 0;
                        pledgeReads.incrementAndGet();
                        if (pledge.path("remainingMinor").asLong() < 0 || earned - bonus > capMinor) {
                            pledgeOverCap.compareAndSet(null, pledge.toString());
                        }
                    }
                    return s.remove("answer");
                });
    }

    private boolean pledgeWatchResult(StringBuilder out) {
        String over = pledgeOverCap.get();
        out.append(String.format(Locale.ROOT, "PLEDGE DURING THE RUN: %d reads, per-share earnings never above the cap"
                + " %s%n", pledgeReads.get(), over == null ? "OK" : "VIOLATED: " + over));
        return over == null;
    }

    /** The Gatling assertions: none failed, p99 below target; subclasses add theirs. */
    List<Assertion> assertions() {
        List<Assertion> assertions = new ArrayList<>();
        assertions.add(io.gatling.javaapi.core.CoreDsl.global().failedRequests().count().is(0L));
        if (p99Ms > 0) {
            assertions.add(io.gatling.javaapi.core.CoreDsl.global().responseTime().percentile(99.0).lt(p99Ms));
        }
        return assertions;
    }

    @Override
    public void before() {
        require(!ingestToken.isBlank(), "no ingest token: set LEADERBOARD_INGEST_TOKEN or -DingestToken");
        require(!organizerToken.isBlank(), "no organizer token: set LEADERBOARD_ORGANIZER_TOKEN or -DorganizerToken");
        HttpClient client = IngestSimulation.httpClient();
        figures.createCampaign(client, organizerToken, "Viral " + runId, fundraisers);
        figures.organizerPut(client, organizerToken, "/api/campaigns/" + campaignId + "/pledges/sponsor",
                String.format(Locale.ROOT,
                "{\"sponsor\":\"Bench sponsor\",\"perShareMinor\":%d,\"capMinor\":%d,"
                        + "\"bonus\":{\"atShares\":%d,\"amountMinor\":%d}}",
                perShareMinor, capMinor, bonusAtShares, bonusMinor));
        try {
            before = figures.read(client, ledgerCheck);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the campaign's figures before the run: " + e.getMessage(), e);
        }
        System.out.printf("%nBENCH %s run=%s campaign=%s fundraisers=%d %s%n%n", getClass().getSimpleName(), runId,
                campaignId, fundraisers, parameters());
    }

    /** The simulation's own parameters, for the BENCH line and the result block. */
    abstract String parameters();

    /** What the simulation expects the campaign to have gained: donations, money, refunds. */
    abstract IngestChecks.Expected expectedPayments();

    /** Its own lines of the result block (rates, spectators); false fails the run. */
    abstract boolean results(StringBuilder out);

    @Override
    public void after() {
        StringBuilder out = new StringBuilder("\n================ " + getClass().getSimpleName()
                + " RESULT ================\n");
        out.append(String.format(Locale.ROOT, "run=%s campaign=%s %s%n", runId, campaignId, parameters()));
        boolean ok = results(out);
        out.append(shares.summary()).append('\n');
        ok &= shares.exact();
        IngestChecks.Expected payments = expectedPayments();
        IngestChecks.Expected expected = new IngestChecks.Expected(payments.donations(),
                payments.donationSum(), payments.refundSum(), shares.counted.get(), shares.unanswered.get()
                        + payments.unanswered());
        ok &= figures.check(IngestSimulation.httpClient(), before, expected, ledgerCheck, out);
        ok &= figures.checkPledge(IngestSimulation.httpClient(), perShareMinor, capMinor, bonusAtShares, bonusMinor,
                out);
        ok &= pledgeWatchResult(out);
        out.append("=====================================================\n");
        System.out.println(out);
        if (!ok) {
            // Gatling lets an exception from after() fail the run (non-zero exit, failed Maven build).
            throw new IllegalStateException("viral simulation failed, see the result block above");
        }
    }

    /** Parses a JSON answer a check saved; null when there is none. */
    static JsonNode answer(Session s) {
        // Saved only by a request whose checks all passed (a retry's success included), removed once read.
        if (!s.contains("answer")) {
            return null;
        }
        try {
            return JSON.readTree(s.getString("answer"));
        } catch (Exception e) {
            return null;
        }
    }

    static int random(int bound) {
        return ThreadLocalRandom.current().nextInt(bound);
    }

    static Duration seconds(long n) {
        return Duration.ofSeconds(n);
    }

    static void require(boolean ok, String message) {
        IngestSimulation.require(ok, message);
    }

    static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
