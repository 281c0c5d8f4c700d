package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.gatling.javaapi.http.HttpDsl.ws;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;

/**
 * The organizer's rehearsal of the big night: an open workload shaped like a viral surge (a
 * baseline, a spike to {@code spikeFactor} times it within {@code spikeSeconds} (at most 30 s), a
 * plateau, a decay back to the baseline) of everything a surge brings at once:
 * <ul>
 * <li>payment integrations posting single events and batches, with retries (duplicates) and refunds
 * of accepted gifts mixed in;
 * <li>visitors clicking share buttons, each from an address of its own ({@code X-Forwarded-For}),
 * some clicking the same button again (answered {@code counted:false});
 * <li>fundraisers reading their rank, a sponsor watching the pledge;
 * <li>WebSocket spectators connecting during the spike, each checking that it gets its snapshot and
 * then updates until the decay ends.
 * </ul>
 * Assertions fail the run: no failed request (every KO counts, a spectator without its first update
 * too), p99 below {@code p99Ms}, every spectator receiving updates. Then the exactness check: what the
 * run saw accepted == the read API's totals == the ledger's sums, and the pledge exact and never
 * above its cap. A silent warm-up at the baseline rate ({@code warmupSeconds}) comes first.
 */
public class ViralSurgeSimulation extends ViralSimulation {

    private final int warmupSeconds = Integer.getInteger("warmupSeconds", 60);
    private final int baselineSeconds = Integer.getInteger("baselineSeconds", 30);
    private final int spikeSeconds = Integer.getInteger("spikeSeconds", 20);
    private final int plateauSeconds = Integer.getInteger("plateauSeconds", 60);
    private final int decaySeconds = Integer.getInteger("decaySeconds", 60);
    private final double spikeFactor = Double.parseDouble(System.getProperty("spikeFactor", "10"));
    /** Baseline payment requests per second (single events; batches come on top, see batchesPerSecond). */
    private final double paymentsPerSecond = Double.parseDouble(System.getProperty("paymentsPerSecond", "50"));
    private final double batchesPerSecond = Double.parseDouble(System.getProperty("batchesPerSecond", "1"));
    private final int batchSize = Integer.getInteger("batchSize", 50);
    private final double sharesPerSecond = Double.parseDouble(System.getProperty("sharesPerSecond", "30"));
    private final double readsPerSecond = Double.parseDouble(System.getProperty("readsPerSecond", "30"));
    private final int spectators = Integer.getInteger("spectators", 200);
    /** How often a spectator takes stock of the updates it received (they queue in Gatling until then). */
    private final int spectatorSliceSeconds = Integer.getInteger("spectatorSliceSeconds", 5);
    private final SurgePayments payments;
    private final AtomicLong spectatorsWatching = new AtomicLong();
    private final AtomicLong spectatorsWithUpdates = new AtomicLong();
    private final AtomicLong spectatorUpdates = new AtomicLong();
    private final AtomicLong spectatorsSilent = new AtomicLong();
    private volatile long surgeStartedAt;

    public ViralSurgeSimulation() {
        super("surge", 500, 1_000_000, 20_000);
        require(spikeSeconds > 0 && spikeSeconds <= 30, "spikeSeconds must be 1..30 (a surge), got " + spikeSeconds);
        require(spikeFactor >= 1, "spikeFactor must be >= 1, got " + spikeFactor);
        payments = new SurgePayments(runId, campaignId, fundraisers,
                Double.parseDouble(System.getProperty("duplicateShare", "0.05")),
                Double.parseDouble(System.getProperty("refundShare", "0.03")));
        List<PopulationBuilder> populations = new ArrayList<>();
        if (warmupSeconds > 0) {
            populations.add(scenario("warm-up").exec(single(true)).injectOpen(
                    rampUsersPerSec(paymentsPerSecond / 10).to(paymentsPerSecond).during(seconds(warmupSeconds))));
        }
        populations.add(scenario("single events").exec(exec(this::surgeStarts), single(false))
                .injectOpen(surge(paymentsPerSecond)));
        if (batchesPerSecond > 0) {
            populations.add(scenario("batches").exec(batch()).injectOpen(surge(batchesPerSecond)));
        }
        if (sharesPerSecond > 0) {
            populations.add(scenario("shares").exec(share(false)).injectOpen(surge(sharesPerSecond)));
        }
        if (readsPerSecond > 0) {
            populations.add(scenario("fundraisers reading their rank").exec(readRank())
                    .injectOpen(surge(readsPerSecond)));
        }
        populations.add(scenario("sponsor watching the pledge").exec(watchPledge()).injectOpen(surge(1)));
        if (spectators > 0) {
            populations.add(scenario("spectators").exec(spectator()).injectOpen(
                    nothingFor(seconds(warmupSeconds + baselineSeconds)),
                    rampUsers(spectators).during(seconds(spikeSeconds))));
        }
        setUp(populations)
                .protocols(protocol())
                .assertions(assertions())
                .maxDuration(seconds(warmupSeconds + surgeSeconds() + 180L));
    }

    private long surgeSeconds() {
        return baselineSeconds + spikeSeconds + plateauSeconds + decaySeconds;
    }

    /**
     * The surge's shape at a baseline of {@code rate} users/s, after the warm-up: baseline, spike
     * to {@code spikeFactor} x, plateau, decay back to the baseline.
     */
    private List<OpenInjectionStep> surge(double rate) {
        double peak = rate * spikeFactor;
        List<OpenInjectionStep> steps = new ArrayList<>();
        if (warmupSeconds > 0) {
            steps.add(nothingFor(seconds(warmupSeconds)));
        }
        steps.add(constantUsersPerSec(rate).during(seconds(baselineSeconds)));
        steps.add(rampUsersPerSec(rate).to(peak).during(seconds(spikeSeconds)));
        steps.add(constantUsersPerSec(peak).during(seconds(plateauSeconds)));
        steps.add(rampUsersPerSec(peak).to(rate).during(seconds(decaySeconds)));
        return steps;
    }

    private Session surgeStarts(Session s) {
        if (surgeStartedAt == 0) {
            surgeStartedAt = System.currentTimeMillis();
        }
        return s;
    }

    private ChainBuilder single(boolean silent) {
        var request = http(silent ? "event (warm-up)" : "event").post("/api/events")
                .header("Authorization", "Bearer " + ingestToken)
                .body(StringBody(s -> s.getString("event")))
                .check(status().in(200, 202), bodyString().saveAs("answer"));
        return exec(s -> s.set("event", payments.next()))
                .exec(retried(silent ? request.silent() : request))
                .exec(payments::recordSingle);
    }

    private ChainBuilder batch() {
        return exec(s -> s.set("batch", payments.batch(batchSize)))
                .exec(retried(http("batch").post("/api/events/batch")
                        .header("Authorization", "Bearer " + ingestToken)
                        .body(StringBody(s -> s.getString("batch")))
                        .check(status().is(200), bodyString().saveAs("answer"))))
                .exec(s -> payments.recordBatch(s, batchSize));
    }

    private ChainBuilder readRank() {
        return exec(http("fundraiser's rank")
                .get(s -> "/api/campaigns/" + campaignId + "/fundraisers/f-" + random(fundraisers))
                .check(status().is(200), jsonPath("$.raisedMinor").exists()));
    }

    /**
     * A spectator of the live page: connects, must get its snapshot and a first update within 30 s
     * (else a KO), then takes stock every {@code spectatorSliceSeconds} of the updates that arrived
     * until the surge has decayed.
     */
    private ChainBuilder spectator() {
        long watch = (long) spikeSeconds + plateauSeconds + decaySeconds;
        int slices = (int) Math.max(1, watch / spectatorSliceSeconds);
        return exec(ws("spectator connects").connect("/ws/campaigns/" + campaignId)
                        .await(seconds(30)).on(
                                ws.checkTextMessage("snapshot").check(regex("^\\{\"type\":\"snapshot\"")),
                                ws.checkTextMessage("first update").check(regex("^\\{\"type\":\"update\"")))
                        )
                .exec(s -> {
                    spectatorsWatching.incrementAndGet();
                    return s.set("updates", 1L);
                })
                .repeat(slices).on(pause(seconds(spectatorSliceSeconds))
                        .exec(ws.processUnmatchedMessages((messages, s) -> s.set("updates",
                                s.getLong("updates") + updates(messages)))))
                .exec(s -> {
                    long updates = s.getLong("updates");
                    spectatorUpdates.addAndGet(updates);
                    (updates > 1 ? spectatorsWithUpdates : spectatorsSilent).incrementAndGet();
                    return s;
                })
                .exec(ws("spectator leaves").close());
    }

    private static long updates(List<WsInboundMessage> messages) {
        return messages.stream().filter(m -> m instanceof WsInboundMessage.Text text
                && text.message().startsWith("{\"type\":\"update\"")).count();
    }

    @Override
    String parameters() {
        return String.format(Locale.ROOT,
                "warmup=%ds baseline=%ds spike=%ds (x%s) plateau=%ds decay=%ds payments=%s/s batches=%s/s of %d"
                        + " shares=%s/s reads=%s/s spectators=%d p99<%dms",
                warmupSeconds, baselineSeconds, spikeSeconds, IngestSimulation.num(spikeFactor), plateauSeconds,
                decaySeconds, IngestSimulation.num(paymentsPerSecond), IngestSimulation.num(batchesPerSecond),
                batchSize, IngestSimulation.num(sharesPerSecond), IngestSimulation.num(readsPerSecond), spectators,
                p99Ms);
    }

    @Override
    IngestChecks.Expected expectedPayments() {
        return payments.expected();
    }

    @Override
    boolean results(StringBuilder out) {
        double seconds = surgeStartedAt == 0 ? 0 : (System.currentTimeMillis() - surgeStartedAt) / 1000.0;
        out.append(payments.summary(seconds)).append('\n');
        boolean spectatorsOk = spectatorsSilent.get() == 0 && spectatorsWatching.get() == spectators;
        out.append(String.format(Locale.ROOT,
                "spectators: %d of %d connected with snapshot and first update, %d received updates to the end,"
                        + " %d received none after the first, %d updates in all %s%n",
                spectatorsWatching.get(), spectators, spectatorsWithUpdates.get(), spectatorsSilent.get(),
                spectatorUpdates.get(), spectatorsOk ? "OK" : "FAILED"));
        boolean paymentsOk = payments.rejected.get() == 0 && payments.donations.get() > 0;
        if (!paymentsOk) {
            out.append("PAYMENTS FAILED: events rejected, or no donation accepted\n");
        }
        return spectatorsOk && paymentsOk;
    }
}
