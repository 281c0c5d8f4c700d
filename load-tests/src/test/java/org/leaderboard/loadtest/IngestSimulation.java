package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;

/**
 * Shared skeleton of the ingest benchmarks: parameters, campaign set-up through the organizer
 * API, a silent warm-up, the measured closed loop, and the post-run proof that what the service
 * called "accepted" is exactly what sits in the ledger. Subclasses only say how one request
 * looks and how its answer is counted.
 */
abstract class IngestSimulation extends Simulation {

    static final String CURRENCY = "EUR";
    /** Pause after a failed request, so a refusing server is not hammered in a hot loop. */
    private static final Duration BACKOFF = Duration.ofMillis(100);

    final String baseUrl = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    final String ingestToken = System.getProperty("ingestToken", env("LEADERBOARD_INGEST_TOKEN"));
    final String organizerToken =
            System.getProperty("organizerToken", env("LEADERBOARD_ORGANIZER_TOKEN"));
    final long startedAt = System.currentTimeMillis();
    final String campaignId = System.getProperty("campaignId", "bench-" + startedAt);
    final int fundraisers = Integer.getInteger("fundraisers", 50);
    final int warmupSeconds = Integer.getInteger("warmupSeconds", 30);
    final int durationSeconds = Integer.getInteger("durationSeconds", 60);
    final int p99Ms = Integer.getInteger("p99Ms", 50);
    final String jdbcUrl =
            System.getProperty("jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/leaderboard");
    final String jdbcUser = System.getProperty("jdbcUser", "postgres");
    final String jdbcPassword =
            System.getProperty("jdbcPassword", envOr("PGPASSWORD", "postgres"));
    final boolean ledgerCheck = Boolean.parseBoolean(System.getProperty("ledgerCheck", "true"));
    /** Fresh per run even when campaignId is reused, so the ledger check sees only this run. */
    final String runId = "run-" + startedAt;
    final int connections;

    // The warm-up prefix deliberately does not start with runId, so `like '<runId>-%'` skips it.
    final Tally warmup = new Tally("warm-up", "warm-" + runId + "-");
    final Tally measured = new Tally("measured", runId + "-");

    IngestSimulation(int defaultConnections) {
        connections = Integer.getInteger("connections", defaultConnections);
    }

    /** One request (plus the bookkeeping of its answer) of the closed loop. */
    abstract ChainBuilder post(Tally tally, boolean silent);

    /** Label for the summary, e.g. the batch size. */
    abstract String shape();

    /** Called at the end of the subclass constructor, once its own fields are set. */
    final void start() {
        List<ChainBuilder> phases = new ArrayList<>();
        if (warmupSeconds > 0) phases.add(loop(warmup, warmupSeconds, true));
        phases.add(loop(measured, durationSeconds, false));
        ScenarioBuilder scn = scenario(getClass().getSimpleName()).exec(phases);

        List<Assertion> assertions = new ArrayList<>();
        assertions.add(global().failedRequests().percent().lte(1.0));
        if (p99Ms > 0) assertions.add(global().responseTime().percentile(99.0).lt(p99Ms));

        // Each virtual user keeps its own pool and sends one request at a time over HTTP/1.1,
        // so it holds exactly one keep-alive connection: `connections` users = `connections`
        // sockets. shareConnections() would only cap the count, not guarantee it.
        setUp(scn.injectOpen(atOnceUsers(connections)))
                .protocols(
                        http.baseUrl(baseUrl)
                                .disableWarmUp() // its default target is an outside host
                                .acceptHeader("application/json")
                                .contentTypeHeader("application/json")
                                .authorizationHeader("Bearer " + ingestToken))
                .assertions(assertions)
                // Safety net only: a user cut short mid-iteration would break the ledger arithmetic.
                .maxDuration(Duration.ofSeconds(warmupSeconds + durationSeconds + 180L));
    }

    private ChainBuilder loop(Tally t, int seconds, boolean silent) {
        // exitASAP=false: an iteration always runs to its bookkeeping step, otherwise a response
        // could be accepted by the service but never counted here.
        return exec(t::open)
                .during(Duration.ofSeconds(seconds), false)
                .on(
                        post(t, silent)
                                .doIf(Session::isFailed)
                                .then(exec(Session::markAsSucceeded).pause(BACKOFF)))
                .exec(t::close);
    }

    String fundraiserOf(long n) {
        return "f-" + (n % fundraisers);
    }

    /** Amounts vary (1.00–100.99) so the ledger sum check catches misattributed rows. */
    static long amountOf(long n) {
        return 100 + (n * 7919) % 10_000;
    }

    void appendEvent(StringBuilder sb, Tally t, long n) {
        sb.append("{\"type\":\"donation\",\"eventId\":\"")
                .append(t.prefix)
                .append(n)
                .append("\",\"campaignId\":\"")
                .append(campaignId)
                .append("\",\"fundraiserId\":\"")
                .append(fundraiserOf(n))
                .append("\",\"amountMinor\":")
                .append(amountOf(n))
                .append(",\"currency\":\"" + CURRENCY + "\",\"donorName\":\"bench\"}");
    }

    @Override
    public void before() {
        require(!ingestToken.isBlank(), "no ingest token: set LEADERBOARD_INGEST_TOKEN or -DingestToken");
        require(!organizerToken.isBlank(),
                "no organizer token: set LEADERBOARD_ORGANIZER_TOKEN or -DorganizerToken");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        organizerPut(client, "/api/campaigns/" + campaignId,
                "{\"title\":\"Benchmark " + runId + "\",\"currency\":\"" + CURRENCY
                        + "\",\"goalMinor\":100000000}");
        for (int i = 0; i < fundraisers; i++) {
            organizerPut(client, "/api/campaigns/" + campaignId + "/fundraisers/" + fundraiserOf(i),
                    "{\"displayName\":\"Bench fundraiser " + i + "\"}");
        }
        System.out.printf(
                "%nBENCH %s run=%s campaign=%s fundraisers=%d connections=%d %s warmup=%ds duration=%ds%n%n",
                getClass().getSimpleName(), runId, campaignId, fundraisers, connections, shape(),
                warmupSeconds, durationSeconds);
    }

    private void organizerPut(HttpClient client, String path, String json) {
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

    @Override
    public void after() {
        StringBuilder out = new StringBuilder("\n================ INGEST BENCH RESULT ================\n");
        out.append(String.format(Locale.ROOT, "run=%s campaign=%s connections=%d %s%n",
                runId, campaignId, connections, shape()));
        for (Tally t : List.of(warmup, measured)) {
            if (t == warmup && warmupSeconds <= 0) continue;
            out.append(t.summary()).append('\n');
        }
        boolean ok = true;
        if (ledgerCheck) {
            try {
                if (warmupSeconds > 0) ok &= ledger(warmup, out, "LEDGER CHECK (warm-up)");
                ok &= ledger(measured, out, "LEDGER CHECK");
            } catch (SQLException e) {
                out.append("LEDGER CHECK: cannot query ").append(jdbcUrl).append(": ").append(e.getMessage())
                        .append(" (use -DjdbcUrl/-DjdbcUser/-DjdbcPassword, or -DledgerCheck=false)\n");
                ok = false;
            }
        } else {
            out.append("LEDGER CHECK: skipped (-DledgerCheck=false)\n");
        }
        if (measured.accepted.get() == 0) {
            out.append("NOTHING ACCEPTED in the measured phase\n");
            ok = false;
        }
        out.append("=====================================================\n");
        System.out.println(out);
        // Gatling lets an exception from after() fail the run (non-zero exit, failed Maven build).
        if (!ok) {
            throw new IllegalStateException("ingest benchmark failed, see the result block above");
        }
    }

    private boolean ledger(Tally t, StringBuilder out, String label) throws SQLException {
        long rows;
        long sum;
        try (var c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
                var st = c.prepareStatement("select count(*), coalesce(sum(amount_minor), 0)"
                        + " from ledger_events where event_id like ? escape '\\'")) {
            st.setString(1, t.prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            try (var rs = st.executeQuery()) {
                rs.next();
                rows = rs.getLong(1);
                sum = rs.getLong(2);
            }
        }
        long accepted = t.accepted.get();
        long acceptedSum = t.acceptedSum.get();
        boolean match = rows == accepted && sum == acceptedSum;
        out.append(String.format(Locale.ROOT, "%s: accepted=%d rows=%d acceptedSum=%d ledgerSum=%d %s%n",
                label, accepted, rows, acceptedSum, sum, match ? "OK" : "MISMATCH"));
        return match;
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalStateException(message);
    }

    private static String env(String name) {
        return envOr(name, "");
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** What one phase sent and what the service answered, as the service saw it. */
    static final class Tally {
        final String name;
        final String prefix;
        final AtomicLong seq = new AtomicLong();
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong acceptedSum = new AtomicLong();
        final AtomicLong duplicate = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        /** Events sent in a request whose answer could not be read (KO, timeout, bad body). */
        final AtomicLong unanswered = new AtomicLong();
        final AtomicReference<String> firstProblem = new AtomicReference<>();
        private final AtomicLong openedAt = new AtomicLong(Long.MAX_VALUE);
        private final AtomicLong closedAt = new AtomicLong(Long.MIN_VALUE);

        Tally(String name, String prefix) {
            this.name = name;
            this.prefix = prefix;
        }

        void accept(long n) {
            accepted.incrementAndGet();
            acceptedSum.addAndGet(amountOf(n));
        }

        /** Parses the sequence number back out of an event id this run generated. */
        long seqOf(String eventId) {
            if (!eventId.startsWith(prefix)) throw new IllegalArgumentException("foreign eventId " + eventId);
            return Long.parseLong(eventId.substring(prefix.length()));
        }

        void problem(String p) {
            firstProblem.compareAndSet(null, p);
        }

        // The measured window runs from the first user entering the phase to the last one leaving
        // it, so events/s is not diluted by set-up, warm-up or report generation.
        Session open(Session s) {
            openedAt.accumulateAndGet(System.currentTimeMillis(), Math::min);
            return s;
        }

        Session close(Session s) {
            closedAt.accumulateAndGet(System.currentTimeMillis(), Math::max);
            return s;
        }

        double seconds() {
            long from = openedAt.get();
            long to = closedAt.get();
            return from == Long.MAX_VALUE || to < from ? 0 : (to - from) / 1000.0;
        }

        String summary() {
            double secs = seconds();
            return String.format(Locale.ROOT,
                    "%-8s: %.1f s, sent=%d accepted=%d duplicate=%d rejected=%d unanswered=%d"
                            + " -> %.0f accepted events/s%s",
                    name, secs, seq.get(), accepted.get(), duplicate.get(), rejected.get(), unanswered.get(),
                    secs > 0 ? accepted.get() / secs : 0.0,
                    firstProblem.get() == null ? "" : "\n          first problem: " + firstProblem.get());
        }
    }
}
