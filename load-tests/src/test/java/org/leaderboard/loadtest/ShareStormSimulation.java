package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Session;

/**
 * The click storm of issue 17: a sponsor's "solidarity click" campaign (20,000 clicks, a bonus at
 * a threshold) compressed into {@code durationSeconds} (default 60 s, so {@code clicks} / 60 clicks
 * a second) through the public share endpoint, from {@code visitors} visitors with addresses of
 * their own, {@code repeatShare} of the clicks a visitor clicking the same button again
 * ({@code counted:false}). Measures shares/s and the latency (Gatling's p99, asserted below
 * {@code p99Ms}); a sponsor's page reads the pledge twice a second and it must never show
 * per-share earnings above the cap. Then the exactness check: counted shares == the totals'
 * {@code shareCount} == the ledger's share rows, and the pledge earned exactly
 * {@code min(cap, perShare x shares) + bonus}. A silent warm-up ({@code warmupSeconds}) first.
 */
public class ShareStormSimulation extends ViralSimulation {

    private final int clicks = Integer.getInteger("clicks", 20_000);
    private final int durationSeconds = Integer.getInteger("durationSeconds", 60);
    private final int warmupSeconds = Integer.getInteger("warmupSeconds", 30);
    private final double warmupClicksPerSecond = Double.parseDouble(System.getProperty("warmupClicksPerSecond",
            "100"));
    private volatile long stormStartedAt;
    private final AtomicLong stormEndedAt = new AtomicLong();
    private final AtomicLong stormAnswered = new AtomicLong();

    public ShareStormSimulation() {
        // 50 cents a click up to 5,000 euros: the cap is reached at 10,000 counted shares, the bonus at 15,000
        super("storm", 250, 500_000, 15_000);
        require(clicks > 0 && durationSeconds > 0, "clicks and durationSeconds must be > 0");
        double rate = (double) clicks / durationSeconds;
        List<OpenInjectionStep> storm = new ArrayList<>();
        if (warmupSeconds > 0) {
            storm.add(nothingFor(seconds(warmupSeconds)));
        }
        storm.add(constantUsersPerSec(rate).during(seconds(durationSeconds)));
        var populations = new ArrayList<>(List.of(
                scenario("clicks").exec(exec(this::stormClick), share(false),
                        exec(this::stormClickDone)).injectOpen(storm),
                scenario("sponsor watching the pledge").exec(watchPledge()).injectOpen(
                        nothingFor(seconds(warmupSeconds)), constantUsersPerSec(2).during(seconds(durationSeconds)))));
        if (warmupSeconds > 0) {
            populations.add(scenario("warm-up").exec(share(true)).injectOpen(
                    rampUsersPerSec(warmupClicksPerSecond / 10).to(warmupClicksPerSecond)
                            .during(seconds(warmupSeconds))));
        }
        setUp(populations)
                .protocols(protocol())
                .assertions(assertions())
                .maxDuration(seconds(warmupSeconds + durationSeconds + 180L));
    }

    private Session stormClick(Session s) {
        if (stormStartedAt == 0) {
            stormStartedAt = System.currentTimeMillis();
        }
        return s;
    }

    private Session stormClickDone(Session s) {
        stormEndedAt.accumulateAndGet(System.currentTimeMillis(), Math::max);
        if (!s.isFailed()) {
            stormAnswered.incrementAndGet();
        }
        return s;
    }

    @Override
    String parameters() {
        return String.format(Locale.ROOT,
                "clicks=%d in %ds (%s/s) warmup=%ds at %s/s visitors=%d repeatShare=%s pledge %d/share cap %d"
                        + " bonus %d at %d shares p99<%dms",
                clicks, durationSeconds, IngestSimulation.num((double) clicks / durationSeconds), warmupSeconds,
                IngestSimulation.num(warmupClicksPerSecond), Integer.getInteger("visitors", 20_000),
                System.getProperty("repeatShare", "0.25"), perShareMinor, capMinor, bonusMinor, bonusAtShares, p99Ms);
    }

    @Override
    IngestChecks.Expected expectedPayments() {
        return new IngestChecks.Expected(0, 0, 0, 0, 0);
    }

    @Override
    boolean results(StringBuilder out) {
        double seconds = stormStartedAt == 0 ? 0 : (stormEndedAt.get() - stormStartedAt) / 1000.0;
        long answered = stormAnswered.get();
        out.append(String.format(Locale.ROOT, "storm: %d clicks answered in %.1f s -> %.0f shares/s (warm-up left out)%n",
                answered, seconds, seconds > 0 ? answered / seconds : 0.0));
        return shares.counted.get() > 0;
    }
}
