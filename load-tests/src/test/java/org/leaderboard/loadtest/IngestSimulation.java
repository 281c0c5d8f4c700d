package org.leaderboard.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * Shared skeleton of the ingest benchmarks: parameters, campaign set-up through the organizer
 * API, a silent warm-up, the measured phase, and the post-run proof that what the service
 * called "accepted" is exactly what sits in the ledger. Subclasses only say how one request
 * looks and how its answer is counted.
 *
 * <p>Two load models. By default ({@code eventsPerSecond=0}) a closed loop: {@code connections}
 * users each send the next request as soon as the previous answer is in, which measures peak
 * throughput. With {@code eventsPerSecond > 0} an open model: Gatling starts
 * {@code eventsPerSecond / eventsPerRequest()} users per second, each sending exactly one request,
 * so the load stays constant whatever the response times, which measures latency at that load.
 *
 * <p>After the run, besides the ledger, the public read API must show the run's donations: the
 * campaign totals and the sum of the fundraisers board grow by exactly what was accepted.
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
    final boolean apiCheck = Boolean.parseBoolean(System.getProperty("apiCheck", "true"));
    /** Fresh per run even when campaignId is reused, so the ledger check sees only this run. */
    final String runId = "run-" + startedAt;
    final int connections;
    /** Target load of the open model; 0 keeps the closed loop. */
    final double eventsPerSecond;
    private final SocketProbe sockets = new SocketProbe(portOf(baseUrl));
    /** The API's figures for the campaign before the run (not zero when campaignId is reused). */
    private IngestChecks.ApiFigures apiBefore;
    /** The campaign set-up and the ledger and API checks, shared with {@link WrkBench}. */
    private final IngestChecks checks;

    // The warm-up prefix deliberately does not start with runId, so `like '<runId>-%'` skips it.
    final Tally warmup = new Tally("warm-up", "warm-" + runId + "-");
    final Tally measured = new Tally("measured", runId + "-");

    IngestSimulation(int defaultConnections) {
        this(defaultConnections, 0);
    }

    /** @param defaultEventsPerSecond used when -DeventsPerSecond is not given; 0 = closed loop */
    IngestSimulation(int defaultConnections, double defaultEventsPerSecond) {
        checks = new IngestChecks(baseUrl, campaignId, jdbcUrl, jdbcUser, jdbcPassword);
        connections = Integer.getInteger("connections", defaultConnections);
        String eps = System.getProperty("eventsPerSecond");
        eventsPerSecond = eps == null ? defaultEventsPerSecond : Double.parseDouble(eps);
    }

    /** One request (plus the bookkeeping of its answer). */
    abstract ChainBuilder post(Tally tally, boolean silent);

    /** Label for the summary, e.g. the batch size. */
    abstract String shape();

    /** Events carried by one request: 1, or the batch size. */
    abstract int eventsPerRequest();

    boolean rateMode() {
        return eventsPerSecond > 0;
    }

    double requestsPerSecond() {
        return eventsPerSecond / eventsPerRequest();
    }

    // Hooks for a simulation that runs more than the ingest (ReadSimulation); the defaults keep
    // the pure ingest benchmarks as they were.

    /** Name of the ingest scenario (rate mode: also of its warm-up, plus " warm-up"). */
    String ingestScenarioName() {
        return getClass().getSimpleName();
    }

    /** Further populations run alongside the ingest, e.g. readers with their own protocol. */
    List<PopulationBuilder> morePopulations() {
        return List.of();
    }

    /** The Gatling assertions; by default on all requests. */
    List<Assertion> assertions() {
        List<Assertion> assertions = new ArrayList<>();
        assertions.add(global().failedRequests().percent().lte(1.0));
        if (p99Ms > 0) assertions.add(global().responseTime().percentile(99.0).lt(p99Ms));
        return assertions;
    }

    /** Heading of the result block. */
    String resultTitle() {
        return "INGEST BENCH RESULT";
    }

    /** Added to the BENCH line before the warm-up and duration. */
    String moreParameters() {
        return "";
    }

    /**
     * Results of the further populations, written before the ingest phases.
     *
     * @return false to fail the run
     */
    boolean moreResults(StringBuilder out) {
        return true;
    }

    /** Called at the end of the subclass constructor, once its own fields are set. */
    final void start() {
        require(eventsPerSecond >= 0 && !Double.isInfinite(eventsPerSecond),
                "eventsPerSecond must be >= 0, got " + eventsPerSecond);
        String name = ingestScenarioName();
        HttpProtocolBuilder protocol = http.baseUrl(baseUrl)
                .disableWarmUp() // its default target is an outside host
                .acceptHeader("application/json")
                .contentTypeHeader("application/json")
                .authorizationHeader("Bearer " + ingestToken);
        List<PopulationBuilder> populations = new ArrayList<>();
        if (!rateMode()) {
            // Closed loop. Each virtual user keeps its own pool and sends one request at a time
            // over HTTP/1.1, so it holds exactly one keep-alive connection: `connections` users =
            // `connections` sockets.
            List<ChainBuilder> phases = new ArrayList<>();
            if (warmupSeconds > 0) phases.add(loop(warmup, warmupSeconds, true));
            phases.add(loop(measured, durationSeconds, false));
            populations.add(scenario(name).exec(phases).injectOpen(atOnceUsers(connections)));
        } else {
            // Open model: one request per user, users started at a constant rate. Without
            // shareConnections() every user would open (and, on leaving, close) its own socket:
            // one TCP handshake per request and a pile of TIME_WAIT ports. Shared, a request takes
            // an idle connection from its event loop's pool (one pool per Gatling event loop) and
            // only opens a new one when none is free, so the sockets grow to the peak concurrency
            // (rate x latency). The pool is FIFO, so it rotates through all of them and they only
            // close after 60 s idle (gatling.http.pooledConnectionIdleTimeout), i.e. not during a
            // run. Gatling 3.15 cannot cap that pool: maxConnectionsPerHost only limits the
            // concurrent fetches of a page's inferred resources, so it is not set here; the result
            // block reports the sockets measured instead.
            protocol = protocol.shareConnections();
            double rps = requestsPerSecond();
            // Two scenarios started together; the measured one waits out the warm-up, so each
            // user knows its phase and the load does not pause between the phases.
            // The warm-up ramps from a tenth of the rate to the rate over its first half, then holds
            // it: a cold JVM answers far slower than a warm one, and an open model started at full
            // rate piles requests (and, shared pool or not, sockets) up faster than it can drain them.
            if (warmupSeconds > 0) {
                int ramp = warmupSeconds / 2;
                List<OpenInjectionStep> warm = new ArrayList<>();
                if (ramp > 0) warm.add(rampUsersPerSec(rps / 10).to(rps).during(Duration.ofSeconds(ramp)));
                warm.add(constantUsersPerSec(rps).during(Duration.ofSeconds(warmupSeconds - ramp)));
                populations.add(scenario(name + " warm-up").exec(once(warmup, true)).injectOpen(warm));
            }
            List<OpenInjectionStep> steps = new ArrayList<>();
            if (warmupSeconds > 0) steps.add(nothingFor(Duration.ofSeconds(warmupSeconds)));
            steps.add(constantUsersPerSec(rps).during(Duration.ofSeconds(durationSeconds)));
            populations.add(scenario(name).exec(once(measured, false)).injectOpen(steps));
        }

        populations.addAll(morePopulations());

        setUp(populations)
                .protocols(protocol) // populations with their own protocol keep it
                .assertions(assertions())
                // Safety net only: a user cut short mid-iteration would break the ledger arithmetic.
                .maxDuration(Duration.ofSeconds(warmupSeconds + durationSeconds + 180L));
    }

    private ChainBuilder loop(Tally t, int seconds, boolean silent) {
        // exitASAP=false: an iteration always runs to its bookkeeping step, otherwise a response
        // could be accepted by the service but never counted here.
        return exec(t::open)
                .during(Duration.ofSeconds(seconds), false)
                .on(
                        counted(t, post(t, silent))
                                .doIf(Session::isFailed)
                                .then(exec(Session::markAsSucceeded).pause(BACKOFF)))
                .exec(t::close);
    }

    /** Rate mode: the user's whole life. A failure needs no back-off, the user just ends. */
    private ChainBuilder once(Tally t, boolean silent) {
        return exec(t::open).exec(counted(t, post(t, silent))).exec(t::close);
    }

    /** Tracks the requests in flight: the concurrency the load asks of the connections. */
    private static ChainBuilder counted(Tally t, ChainBuilder request) {
        return exec(s -> {
                    t.peakInFlight.accumulateAndGet(t.inFlight.incrementAndGet(), Math::max);
                    return s;
                })
                .exec(request)
                .exec(s -> {
                    t.inFlight.decrementAndGet();
                    return s;
                });
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
        HttpClient client = httpClient();
        checks.createCampaign(client, organizerToken, "Benchmark " + runId, fundraisers);
        if (apiCheck) {
            try {
                apiBefore = checks.apiFigures(client, true);
            } catch (Exception e) {
                throw new IllegalStateException("API CHECK: cannot read the campaign's totals and board before the run"
                        + " (-DapiCheck=false skips the check): " + e.getMessage(), e);
            }
        }
        System.out.printf(
                "%nBENCH %s run=%s campaign=%s fundraisers=%d %s %s%s warmup=%ds duration=%ds%n%n",
                getClass().getSimpleName(), runId, campaignId, fundraisers, load(), shape(),
                moreParameters(), warmupSeconds, durationSeconds);
        // Started after the organizer PUTs, so their (JDK client, still pooled) socket is not counted.
        sockets.start(n -> (measured.opened() ? measured : warmup).peakSockets.accumulateAndGet(n, Math::max));
    }

    /** The load model for the BENCH line and the result block. */
    private String load() {
        return rateMode()
                ? String.format(Locale.ROOT, "eventsPerSecond=%s (%s requests/s, open model, shared connections)",
                        num(eventsPerSecond), num(requestsPerSecond()))
                : "connections=" + connections + " (closed loop)";
    }

    static String num(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.2f", d);
    }

    static HttpClient httpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public void after() {
        sockets.stop();
        StringBuilder out = new StringBuilder("\n================ " + resultTitle() + " ================\n");
        out.append(String.format(Locale.ROOT, "run=%s campaign=%s %s %s%s%n",
                runId, campaignId, load(), shape(), moreParameters()));
        boolean ok = moreResults(out);
        for (Tally t : List.of(warmup, measured)) {
            if (t == warmup && warmupSeconds <= 0) continue;
            out.append(t.summary(eventsPerSecond)).append('\n');
        }
        out.append("connections: ").append(sockets.summary()).append('\n');
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
        if (apiCheck && apiBefore != null) {
            ok &= apiCheck(out);
        } else if (apiCheck) {
            out.append("API CHECK: no figures from before the run\n");
            ok = false;
        } else {
            out.append("API CHECK: skipped (-DapiCheck=false)\n");
        }
        if (measured.accepted.get() == 0) {
            out.append("NOTHING ACCEPTED in the measured phase\n");
            ok = false;
        }
        out.append("=====================================================\n");
        System.out.println(out);
        // Gatling lets an exception from after() fail the run (non-zero exit, failed Maven build).
        if (!ok) {
            throw new IllegalStateException("benchmark failed, see the result block above");
        }
    }

    private boolean ledger(Tally t, StringBuilder out, String label) throws SQLException {
        return checks.ledger(t.prefix, t.accepted.get(), t.acceptedSum.get(), out, label);
    }

    /**
     * The API check over the whole run (warm-up and measured phase: these simulations send
     * nothing else, all to this campaign), against the figures {@link #before()} read.
     */
    private boolean apiCheck(StringBuilder out) {
        return checks.api(apiBefore, warmup.accepted.get() + measured.accepted.get(),
                warmup.acceptedSum.get() + measured.acceptedSum.get(),
                warmup.unanswered.get() + measured.unanswered.get(), out);
    }

    static void require(boolean ok, String message) {
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
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger peakInFlight = new AtomicInteger();
        /** Most TCP sockets to the service seen open while this phase ran; -1 = not measured. */
        final AtomicInteger peakSockets = new AtomicInteger(-1);
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

        boolean opened() {
            return openedAt.get() != Long.MAX_VALUE;
        }

        double seconds() {
            long from = openedAt.get();
            long to = closedAt.get();
            return from == Long.MAX_VALUE || to < from ? 0 : (to - from) / 1000.0;
        }

        /** @param target events/s the phase was paced at, 0 for the closed loop */
        String summary(double target) {
            double secs = seconds();
            return String.format(Locale.ROOT,
                    "%-8s: %.1f s, sent=%d accepted=%d duplicate=%d rejected=%d unanswered=%d"
                            + " -> %.0f accepted events/s%s"
                            + "%n          peak %d requests in flight, peak %s TCP sockets open%s",
                    name, secs, seq.get(), accepted.get(), duplicate.get(), rejected.get(), unanswered.get(),
                    secs > 0 ? accepted.get() / secs : 0.0,
                    target > 0 ? " (target " + num(target) + " events/s)" : "",
                    peakInFlight.get(), peakSockets.get() < 0 ? "?" : Integer.toString(peakSockets.get()),
                    firstProblem.get() == null ? "" : "\n          first problem: " + firstProblem.get());
        }
    }

    private static int portOf(String url) {
        URI u = URI.create(url);
        if (u.getPort() > 0) return u.getPort();
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /**
     * Counts this JVM's established TCP connections to the service port, twice a second, from
     * {@code /proc/self} (Linux only; elsewhere the report says "not measured"). Sockets already
     * open when {@link #start()} runs are left out.
     */
    static final class SocketProbe {
        private static final Path FDS = Path.of("/proc/self/fd");
        private static final String ESTABLISHED = "01";

        private final int port;
        private final Set<String> baseline = new HashSet<>();
        private final Set<String> seen = ConcurrentHashMap.newKeySet();
        private final AtomicInteger peak = new AtomicInteger();
        private IntConsumer onSample = n -> { };
        private ScheduledExecutorService timer;

        SocketProbe(int port) {
            this.port = port;
        }

        /** @param onSample told each sample's count, e.g. to keep a peak per phase */
        void start(IntConsumer onSample) {
            Set<String> now = current();
            if (now == null) return;
            baseline.addAll(now);
            this.onSample = onSample;
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "socket-probe");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::sample, 0, 500, TimeUnit.MILLISECONDS);
        }

        void stop() {
            if (timer == null) return;
            timer.shutdownNow();
            try {
                timer.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String summary() {
            if (timer == null) return "sockets not measured (no /proc/self)";
            return String.format(Locale.ROOT,
                    "peak %d TCP sockets of this JVM open to port %d, %d distinct over the run (sampled every 0.5 s)",
                    peak.get(), port, seen.size());
        }

        private void sample() {
            Set<String> now = current();
            if (now == null) return;
            now.removeAll(baseline);
            seen.addAll(now);
            peak.accumulateAndGet(now.size(), Math::max);
            onSample.accept(now.size());
        }

        /** Socket inodes held by this process that are established connections to {@code port}; null if unknown. */
        private Set<String> current() {
            if (!Files.isDirectory(FDS)) return null;
            Set<String> toPort = new HashSet<>();
            for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
                Path p = Path.of(table);
                if (!Files.isReadable(p)) continue;
                try (Stream<String> lines = Files.lines(p)) {
                    lines.skip(1).forEach(line -> {
                        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                        String[] f = line.trim().split("\\s+");
                        if (f.length < 10 || !ESTABLISHED.equals(f[3])) return;
                        String rem = f[2];
                        int remPort = Integer.parseInt(rem.substring(rem.indexOf(':') + 1), 16);
                        if (remPort == port) toPort.add(f[9]);
                    });
                } catch (IOException | RuntimeException e) {
                    return null;
                }
            }
            Set<String> mine = new HashSet<>();
            try (Stream<Path> fds = Files.list(FDS)) {
                fds.forEach(fd -> {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            String inode = target.substring(8, target.length() - 1);
                            if (toPort.contains(inode)) mine.add(inode);
                        }
                    } catch (IOException | RuntimeException e) {
                        // closed between listing and reading: not open any more
                    }
                });
            } catch (IOException e) {
                return null;
            }
            return mine;
        }
    }
}
