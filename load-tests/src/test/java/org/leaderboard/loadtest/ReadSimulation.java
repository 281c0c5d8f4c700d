package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/**
 * Spectators reading while events are ingested: an open model of {@code readsPerSecond} (default
 * 10000) public reads on one campaign, 40 % totals, 40 % the top-10 fundraisers board, 20 % a
 * random fundraiser's standing, while donations arrive in the background at
 * {@code eventsPerSecond} (default 1000) in batches of {@code batchSize} (default 100). The
 * assertions cover the reads only; the ingest gets the same ledger and API checks as
 * {@link IngestBatchSimulation}.
 *
 * <p>With {@code readers > 0}, a closed model instead: that many readers, each on its own keep-alive
 * connection, loop over the top-10 fundraisers board and a random fundraiser's standing (its rank),
 * sending the next read as soon as the previous answer is in. This measures the most reads/s the
 * service answers with a fixed number of sockets, which the open model cannot at high rates: there
 * every stall opens more connections in the load generator.
 */
public class ReadSimulation extends IngestBatchSimulation {

    /** Gatling group of the measured reads; the assertions apply to it. */
    static final String READS = "reads";

    /** Pause after a failed read in the closed loop, so a refusing server is not hammered. */
    private static final Duration BACKOFF = Duration.ofMillis(100);

    private final double readsPerSecond = Double.parseDouble(System.getProperty("readsPerSecond", "10000"));
    /** Readers of the closed model; 0 keeps the open model at {@code readsPerSecond}. */
    private final int readers = Integer.getInteger("readers", 0);
    private final ReadTally warmupReads = new ReadTally("warm-up");
    private final ReadTally measuredReads = new ReadTally("measured");

    public ReadSimulation() {
        super(8, 1000);
        require(rateMode() && !Double.isInfinite(eventsPerSecond),
                "ReadSimulation ingests at a fixed rate: eventsPerSecond must be > 0, got " + eventsPerSecond);
        require(readers >= 0, "readers must be >= 0, got " + readers);
        require(readers > 0 || (readsPerSecond > 0 && !Double.isInfinite(readsPerSecond)),
                "readsPerSecond must be > 0, got " + readsPerSecond);
        start();
    }

    @Override
    String ingestScenarioName() {
        return "ingest";
    }

    @Override
    String resultTitle() {
        return "READ BENCH RESULT";
    }

    @Override
    String moreParameters() {
        if (closedReads()) {
            return " readers=" + readers + " (closed loop: top-10 fundraisers, then a random fundraiser's standing;"
                    + " one keep-alive connection per reader)";
        }
        return " readsPerSecond=" + num(readsPerSecond)
                + " (40% totals, 40% top-10 fundraisers, 20% fundraiser standing; open model, shared connections)";
    }

    private boolean closedReads() {
        return readers > 0;
    }

    @Override
    List<PopulationBuilder> morePopulations() {
        if (closedReads()) {
            // No shareConnections(): each reader keeps its own pool and sends one request at a
            // time over HTTP/1.1, so it holds exactly one keep-alive connection (readers = sockets,
            // plus the ingest's shared pool).
            HttpProtocolBuilder readerProtocol = http.baseUrl(baseUrl)
                    .disableWarmUp() // its default target is an outside host
                    .acceptHeader("application/json");
            List<ChainBuilder> phases = new ArrayList<>();
            if (warmupSeconds > 0) phases.add(readLoop(warmupReads, warmupSeconds, true));
            phases.add(readLoop(measuredReads, durationSeconds, false));
            return List.of(scenario("readers").exec(phases).injectOpen(atOnceUsers(readers))
                    .protocols(readerProtocol));
        }
        // Spectators carry no token (the read API is public). shareConnections() as in the ingest
        // rate mode: every one-request user takes an idle connection from the shared pool instead of
        // opening its own. Gatling keys that pool by host, not by protocol, so reads and ingest
        // batches draw from the same sockets.
        HttpProtocolBuilder readProtocol = http.baseUrl(baseUrl)
                .disableWarmUp() // its default target is an outside host
                .acceptHeader("application/json")
                .shareConnections();
        List<PopulationBuilder> populations = new ArrayList<>();
        if (warmupSeconds > 0) {
            populations.add(scenario("reads (warm-up)").exec(read(warmupReads, true))
                    .injectOpen(constantUsersPerSec(readsPerSecond).during(Duration.ofSeconds(warmupSeconds)))
                    .protocols(readProtocol));
        }
        List<OpenInjectionStep> steps = new ArrayList<>();
        if (warmupSeconds > 0) steps.add(nothingFor(Duration.ofSeconds(warmupSeconds)));
        steps.add(constantUsersPerSec(readsPerSecond).during(Duration.ofSeconds(durationSeconds)));
        populations.add(scenario("reads").exec(read(measuredReads, false)).injectOpen(steps)
                .protocols(readProtocol));
        return populations;
    }

    /** On the measured reads only; the background ingest is reported, not asserted. */
    @Override
    List<Assertion> assertions() {
        List<Assertion> assertions = new ArrayList<>();
        assertions.add(details(READS).failedRequests().percent().lte(1.0));
        if (p99Ms > 0) assertions.add(details(READS).responseTime().percentile(99.0).lt(p99Ms));
        return assertions;
    }

    /** One spectator: a single read, then gone. */
    private ChainBuilder read(ReadTally t, boolean silent) {
        String campaign = "/api/campaigns/" + campaignId;
        ChainBuilder mix = randomSwitch().on(
                percent(40.0).then(exec(get("totals", silent, s -> campaign + "/totals"))),
                percent(40.0).then(exec(topTen(silent))),
                percent(20.0).then(exec(standing(silent))));
        return exec(t::open).exec(counted(t, silent, mix)).exec(t::close);
    }

    /**
     * One reader of the closed model for one phase: top-10, then a fundraiser's standing, again
     * and again. exitASAP=false, so a read in flight is always counted.
     */
    private ChainBuilder readLoop(ReadTally t, int seconds, boolean silent) {
        return exec(t::open)
                .during(Duration.ofSeconds(seconds), false)
                .on(exec(backedOff(counted(t, silent, exec(topTen(silent)))))
                        .exec(backedOff(counted(t, silent, exec(standing(silent))))))
                .exec(t::close);
    }

    /** A failed read is counted, then forgotten after a pause, so the loop goes on. */
    private static ChainBuilder backedOff(ChainBuilder read) {
        return exec(read).doIf(Session::isFailed).then(exec(Session::markAsSucceeded).pause(BACKOFF));
    }

    private HttpRequestActionBuilder topTen(boolean silent) {
        return get("top-10 fundraisers", silent,
                s -> "/api/campaigns/" + campaignId + "/leaderboards/fundraisers?limit=10&offset=0");
    }

    private HttpRequestActionBuilder standing(boolean silent) {
        return get("fundraiser standing", silent, s -> "/api/campaigns/" + campaignId + "/fundraisers/"
                + fundraiserOf(ThreadLocalRandom.current().nextInt(fundraisers)));
    }

    /**
     * One read with its bookkeeping. Warm-up requests are silent and outside the group, so they
     * stay out of the statistics; a measured read runs the group once around exactly one request,
     * so the group's figures are those of the reads.
     */
    private static ChainBuilder counted(ReadTally t, boolean silent, ChainBuilder read) {
        return exec(s -> {
                    t.sent.incrementAndGet();
                    t.peakInFlight.accumulateAndGet(t.inFlight.incrementAndGet(), Math::max);
                    return s;
                })
                .exec(silent ? read : group(READS).on(read))
                .exec(s -> {
                    t.inFlight.decrementAndGet();
                    (s.isFailed() ? t.ko : t.ok).incrementAndGet();
                    return s;
                });
    }

    private static HttpRequestActionBuilder get(String name, boolean silent, Function<Session, String> path) {
        HttpRequestActionBuilder req = http(silent ? name + " (warm-up)" : name).get(path).check(status().is(200));
        return silent ? req.silent() : req;
    }

    @Override
    boolean moreResults(StringBuilder out) {
        String target = closedReads() ? "closed loop, " + readers + " readers"
                : "target " + num(readsPerSecond) + " reads/s";
        if (warmupSeconds > 0) out.append(warmupReads.summary(target)).append('\n');
        out.append(measuredReads.summary(target)).append('\n');
        out.append(closedReads()
                ? "ingest in the background (socket counts include the readers' " + readers + " connections):\n"
                : "ingest in the background (socket counts include the reads: one shared pool):\n");
        if (measuredReads.ok.get() == 0) {
            out.append("NO READ ANSWERED in the measured phase\n");
            return false;
        }
        return true;
    }

    /** The reads of one phase: how many were sent and answered 200, over which window. */
    static final class ReadTally {
        final String name;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        /** Not 200, timed out or not answered. */
        final AtomicLong ko = new AtomicLong();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger peakInFlight = new AtomicInteger();
        private final AtomicLong openedAt = new AtomicLong(Long.MAX_VALUE);
        private final AtomicLong closedAt = new AtomicLong(Long.MIN_VALUE);

        ReadTally(String name) {
            this.name = name;
        }

        Session open(Session s) {
            openedAt.accumulateAndGet(System.currentTimeMillis(), Math::min);
            return s;
        }

        Session close(Session s) {
            closedAt.accumulateAndGet(System.currentTimeMillis(), Math::max);
            return s;
        }

        /** @param target the load model, e.g. "target 10000 reads/s" */
        String summary(String target) {
            long from = openedAt.get();
            long to = closedAt.get();
            double secs = from == Long.MAX_VALUE || to < from ? 0 : (to - from) / 1000.0;
            return String.format(Locale.ROOT,
                    "reads %-8s: %.1f s, sent=%d ok=%d ko=%d -> %.0f reads/s answered (%s)"
                            + "%n          peak %d reads in flight",
                    name, secs, sent.get(), ok.get(), ko.get(), secs > 0 ? ok.get() / secs : 0.0, target,
                    peakInFlight.get());
        }
    }
}
