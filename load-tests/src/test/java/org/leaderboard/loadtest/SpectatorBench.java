package org.leaderboard.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Live-stream spectators of one campaign while donations are ingested (API.md, "Live streams"):
 * {@code spectators} WebSocket (or SSE) clients connect at {@code connectRate}, the service's heap
 * per idle connection is measured, then one ingester posts {@code eventsPerSecond} donations for a
 * warm-up and a measured phase, and every client times each batch from its acceptance (the ingest
 * answer) to the first frame whose {@code donationCount} includes it. Its own clients rather than a
 * Gatling WebSocket scenario: Gatling hands each inbound message to a virtual user as a String
 * through its check machinery, where this needs ~100,000 frames/s read by their first bytes on the
 * two cores the service also runs on (load-tests/README.md, "Spectators on live streams"). The
 * WebSocket spectators are a native process by default ({@link NativeSpectators}), else Netty in
 * this JVM ({@link SpectatorClients}); both behind {@link Spectators}.
 *
 * <p>Run with {@code load-tests/bench.sh spectators [-Dname=value ...]}; ends with a result block
 * and exit status 1 when a target or a consistency check fails.
 */
public final class SpectatorBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    private final String ingestToken = System.getProperty("ingestToken", env("LEADERBOARD_INGEST_TOKEN"));
    private final String organizerToken = System.getProperty("organizerToken", env("LEADERBOARD_ORGANIZER_TOKEN"));
    private final long startedAt = System.currentTimeMillis();
    private final String runId = "spect-" + startedAt;
    private final String campaignId = System.getProperty("campaignId", "bench-spectators-" + startedAt);
    private final int fundraisers = Integer.getInteger("fundraisers", 50);
    private final SpectatorClients.Transport transport =
            SpectatorClients.Transport.valueOf(System.getProperty("transport", "ws").toUpperCase(Locale.ROOT));
    private final int spectators = Integer.getInteger("spectators", 10_000);
    private final double connectRate = Double.parseDouble(System.getProperty("connectRate", "1000"));
    private final int maxPendingConnects = Integer.getInteger("maxPendingConnects", 1000);
    private final int connectTimeoutSeconds = Integer.getInteger("connectTimeoutSeconds", 60);
    private final int idleSeconds = Integer.getInteger("idleSeconds", 5);
    private final double eventsPerSecond = Double.parseDouble(System.getProperty("eventsPerSecond", "1000"));
    private final int batchIntervalMs = Integer.getInteger("batchIntervalMs", 10);
    private final int warmupSeconds = Integer.getInteger("warmupSeconds", 30);
    private final int durationSeconds = Integer.getInteger("durationSeconds", 60);
    private final int graceSeconds = Integer.getInteger("graceSeconds", 3);
    /**
     * The WebSocket spectators' client: {@code native} (load-tests/native/spectators.c, built by
     * bench.sh) or {@code netty} (SpectatorClients, in this JVM); SSE spectators are always Netty's.
     */
    private final String client = transport == SpectatorClients.Transport.SSE ? "netty"
            : System.getProperty("client", "native").toLowerCase(Locale.ROOT);
    private final String nativeClient = System.getProperty("nativeClient", "load-tests/target/spectators");
    // As many threads as the service's event loops (Reactor Netty: max(4, cores)), so the
    // scheduler shares the cores between them evenly: with 2 the Netty client fell behind at
    // 10,000, and the native one delivered no more with 2 than with 4.
    private final int clientThreads = Integer.getInteger("clientThreads", 4);
    // The native client's idle loops sleep this long instead of blocking (and run as SCHED_BATCH),
    // so that they do not preempt the service at every frame; 0 blocks as before 2026-12-02.
    private final long clientPauseMicros = Long.getLong("clientPauseMicros", 1000);
    private final String origin = System.getProperty("origin");
    private final boolean deflate = Boolean.parseBoolean(System.getProperty("deflate", "true"));
    private final double p99Ms = Double.parseDouble(System.getProperty("p99Ms", "250"));
    private final long maxHeapPerConnectionBytes = Long.getLong("maxHeapPerConnectionBytes", 20_480);
    private final boolean heapCheck = Boolean.parseBoolean(System.getProperty("heapCheck", "true"));

    private final List<String> failures = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int status;
        try {
            status = new SpectatorBench().run();
        } catch (Exception e) {
            System.err.println("SPECTATOR BENCH FAILED: " + e);
            e.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }

    private int run() throws Exception {
        IngestSimulation.require(spectators > 0, "spectators must be > 0");
        IngestSimulation.require(eventsPerSecond >= 0, "eventsPerSecond must be >= 0 (0: connections and heap only)");
        IngestSimulation.require(organizerToken != null && !organizerToken.isBlank(),
                "no organizer token: set LEADERBOARD_ORGANIZER_TOKEN or -DorganizerToken");
        IngestSimulation.require(eventsPerSecond == 0 || !ingestToken.isBlank(),
                "no ingest token: set LEADERBOARD_INGEST_TOKEN or -DingestToken");
        boolean load = eventsPerSecond > 0 && durationSeconds > 0;

        HttpClient http = IngestSimulation.httpClient();
        setUpCampaign(http);
        JsonNode totalsBefore = getJson(http, "/api/campaigns/" + campaignId + "/totals");
        long baseCount = totalsBefore.path("donationCount").asLong();
        long baseRaised = totalsBefore.path("raisedMinor").asLong();
        SpectatorServerProbe probe = new SpectatorServerProbe(baseUrl, System.getProperty("servicePid"));
        SpectatorIngest ingest = new SpectatorIngest(baseUrl, ingestToken, campaignId, runId, fundraisers,
                eventsPerSecond, batchIntervalMs, warmupSeconds + durationSeconds);
        String parameters = String.format(Locale.ROOT,
                "transport=%s spectators=%d connectRate=%s/s eventsPerSecond=%s (every %d ms, one request in flight)"
                        + " warmup=%ds duration=%ds client=%s clientThreads=%d%s deflate=%s servicePid=%s",
                transport.name().toLowerCase(Locale.ROOT), spectators, IngestSimulation.num(connectRate),
                IngestSimulation.num(eventsPerSecond), batchIntervalMs, warmupSeconds, durationSeconds, client, clientThreads,
                "native".equals(client) ? " clientPauseMicros=" + clientPauseMicros : "",
                transport == SpectatorClients.Transport.WS && deflate, probe.pid == 0 ? "unknown" : Long.toString(probe.pid));
        System.out.printf("%nBENCH SpectatorBench run=%s campaign=%s %s%n", runId, campaignId, parameters);

        StringBuilder out = new StringBuilder();
        long heapBefore = heapCheck ? probe.heapAfterGc() : -1;
        long rssBefore = probe.rss();
        try (Spectators clients = spectatorClients(ingest.log)) {
            progress("connecting %d spectators to %s", spectators, clients.streamUri());
            long connectStart = System.nanoTime();
            clients.connect(spectators, connectRate);
            boolean settled = clients.awaitSettled(TimeUnit.SECONDS.toNanos(connectTimeoutSeconds));
            double connectSecs = (System.nanoTime() - connectStart) / 1e9;
            int connected = clients.open();
            progress("%d open, %d failed after %.1f s%s", connected, clients.failed(), connectSecs,
                    settled ? "" : " (timed out waiting for the rest)");
            Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
            long sessionsIdle = probe.pushSessions();
            int idleOpen = clients.open();
            long heapAfter = heapCheck ? probe.heapAfterGc() : -1;
            long rssAfter = probe.rss();
            out.append(String.format(Locale.ROOT,
                    "connect: %d of %d open (snapshot received) after %.1f s, failed=%d%n"
                            + "         connect -> snapshot: %s%n"
                            + "         reasons: %s%n",
                    connected, spectators, connectSecs, clients.failed(),
                    clients.collect(baseCount, baseRaised).toSnapshot.summary(), clients.reasons()));
            if (connected < spectators) failures.add("only " + connected + " of " + spectators + " spectators connected");
            out.append(String.format(Locale.ROOT, "sockets (idle, %d s after connecting): %d open here, service reports %s%n",
                    idleSeconds, idleOpen, sessionsIdle < 0 ? "no leaderboard_push_sessions meter" : sessionsIdle + " sessions"));
            heap(out, heapBefore, heapAfter, rssBefore, rssAfter, idleOpen);

            if (load) {
                loadPhase(out, clients, ingest, probe, baseCount, baseRaised);
            } else {
                out.append("load: skipped (eventsPerSecond=0 or durationSeconds=0)\n");
            }
            out.append("service meters: ");
            List<String> meters = probe.pushMeters();
            out.append(meters.isEmpty() ? "no leaderboard_push_* meter\n" : "\n");
            for (String m : meters) out.append("    ").append(m).append('\n');
            progress("closing the connections");
        }

        StringBuilder block = new StringBuilder("\n================ SPECTATOR BENCH RESULT ================\n");
        block.append("run=").append(runId).append(" campaign=").append(campaignId).append(' ').append(parameters).append('\n');
        block.append(out);
        block.append(failures.isEmpty() ? "RESULT: OK\n" : "RESULT: FAILED\n");
        for (String f : failures) block.append("    - ").append(f).append('\n');
        block.append("========================================================\n");
        System.out.println(block);
        return failures.isEmpty() ? 0 : 1;
    }

    private Spectators spectatorClients(SpectatorIngest.Log log) throws IOException {
        switch (client) {
            case "netty":
                return new SpectatorClients(transport, baseUrl, campaignId, origin, clientThreads, maxPendingConnects,
                        deflate, log);
            case "native":
                Path binary = Path.of(nativeClient);
                IngestSimulation.require(Files.isExecutable(binary), "no native client at " + binary
                        + ": bench.sh builds it with cc and zlib (apt-get install -y gcc zlib1g-dev), or -Dclient=netty");
                return new NativeSpectators(binary, baseUrl, campaignId, origin, clientThreads, maxPendingConnects,
                        deflate, clientPauseMicros, log);
            default:
                throw new IllegalArgumentException("client must be native or netty, not " + client);
        }
    }

    private void heap(StringBuilder out, long before, long after, long rssBefore, long rssAfter, int open) {
        String rss = rssBefore < 0 || rssAfter < 0 || open == 0 ? ""
                : String.format(Locale.ROOT, "; resident memory %+.1f MB (%.1f KB per connection, heap and off-heap)",
                        (rssAfter - rssBefore) / 1048576.0, (rssAfter - rssBefore) / 1024.0 / open);
        if (!heapCheck) {
            out.append("heap per idle connection: not measured (-DheapCheck=false)").append(rss).append('\n');
        } else if (before < 0 || after < 0 || open == 0) {
            out.append("heap per idle connection: NOT MEASURED (")
                    .append(open == 0 ? "no connection open" : "no heap reading: the service must run on this machine,"
                            + " -DservicePid=<pid> if it is not the one listening on the port")
                    .append(')').append(rss).append('\n');
            failures.add("heap per idle connection not measured");
        } else {
            double perConnection = (double) (after - before) / open;
            boolean ok = maxHeapPerConnectionBytes <= 0 || perConnection < maxHeapPerConnectionBytes;
            out.append(String.format(Locale.ROOT,
                    "heap per idle connection: %.1f KB (live heap after full GC %.1f MB -> %.1f MB, %d connections)%s %s%n",
                    perConnection / 1024, before / 1048576.0, after / 1048576.0, open,
                    maxHeapPerConnectionBytes > 0
                            ? String.format(Locale.ROOT, " target < %.1f KB", maxHeapPerConnectionBytes / 1024.0) : "",
                    ok ? "OK" : "FAILED"));
            if (!rss.isEmpty()) out.append("         ").append(rss.substring(2)).append('\n');
            if (!ok) failures.add(String.format(Locale.ROOT, "heap per idle connection %.1f KB", perConnection / 1024));
        }
    }

    private void loadPhase(StringBuilder out, Spectators clients, SpectatorIngest ingest,
            SpectatorServerProbe probe, long baseCount, long baseRaised) throws Exception {
        long warmupNanos = TimeUnit.SECONDS.toNanos(warmupSeconds);
        long measuredNanos = TimeUnit.SECONDS.toNanos(durationSeconds);
        long t0 = System.nanoTime();
        long measureFrom = t0 + warmupNanos;
        long measureTo = measureFrom + measuredNanos;
        clients.measureWindow(measureFrom, measureTo);
        Throwable[] ingestFailure = new Throwable[1];
        Thread ingester = new Thread(() -> {
            try {
                ingest.run(baseCount, warmupNanos, measuredNanos);
            } catch (Throwable e) {
                ingestFailure[0] = e;
            }
        }, "spectator-ingest");
        progress("ingesting %s events/s: %d s warm-up, then %d s measured", IngestSimulation.num(eventsPerSecond),
                warmupSeconds, durationSeconds);
        ingester.start();
        watch(clients, measureFrom);
        long cpuService0 = probe.serviceCpuNanos();
        long cpuBench0 = probe.benchCpuNanos();
        long cpuMachine0 = probe.machineBusyNanos();
        long cpuPostgres0 = probe.cpuNanosOf("postgres");
        long cpuRedis0 = probe.cpuNanosOf("redis-server");
        double[] applyLag0 = probe.timer(APPLY_LAG);
        double[] pushLag0 = probe.timer(PUSH_LAG);
        progress("measuring");
        watch(clients, measureTo);
        long window = System.nanoTime() - measureFrom;
        long cpuService = since(cpuService0, probe.serviceCpuNanos());
        long cpuBench = since(cpuBench0, probe.benchCpuNanos());
        long cpuMachine = since(cpuMachine0, probe.machineBusyNanos());
        long cpuPostgres = since(cpuPostgres0, probe.cpuNanosOf("postgres"));
        long cpuRedis = since(cpuRedis0, probe.cpuNanosOf("redis-server"));
        String serviceLags = meanOver(APPLY_LAG, applyLag0, probe.timer(APPLY_LAG)) + ", "
                + meanOver(PUSH_LAG, pushLag0, probe.timer(PUSH_LAG));
        ingester.join();
        if (ingestFailure[0] != null) throw new IllegalStateException("ingest failed", ingestFailure[0]);
        progress("ingest done; %d s for the last frames", graceSeconds);
        watch(clients, System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds));
        long expectCount = ingest.committed;
        long expectRaised = baseRaised + ingest.committedSum;
        SpectatorClients.Collected c = clients.collect(expectCount, expectRaised);
        long sessionsEnd = probe.pushSessions();

        out.append(ingest.summary()).append('\n');
        double measuredRate = ingest.measuredEvents / (durationSeconds * 1.0);
        if (measuredRate < 0.95 * eventsPerSecond) {
            failures.add(String.format(Locale.ROOT, "ingest reached %.0f events/s of %s", measuredRate,
                    IngestSimulation.num(eventsPerSecond)));
        }
        if (ingest.rejected > 0) failures.add(ingest.rejected + " events rejected");
        double secs = window / 1e9;
        out.append(String.format(Locale.ROOT,
                "frames: %d received in the measured %.1f s -> %.0f frames/s (%.1f per spectator per s), %.1f MB/s,"
                        + " %.0f bytes per frame (as sent: compressed where deflate is on)%n"
                        + "        whole run: %d frames (%d compressed, %d of them inflated: the others equal byte for byte"
                        + " to one just inflated), %d snapshots (%d sent again to a connected client),"
                        + " %d seq gaps, %d donationCount going back, %d unreadable, %d SSE comments%n",
                c.measuredFrames, secs, c.measuredFrames / secs, c.measuredFrames / secs / Math.max(1, c.openAtEnd),
                c.measuredBytes / secs / 1048576.0, c.measuredFrames == 0 ? 0.0 : (double) c.measuredBytes / c.measuredFrames,
                c.frames, c.compressedFrames, c.compressedFrames - c.headsReused, c.snapshots, c.resyncs, c.seqGaps, c.countRegressions, c.unparsable, c.heartbeats));
        if (c.seqGaps > 0) failures.add(c.seqGaps + " seq gaps in updates");
        if (c.countRegressions > 0) failures.add(c.countRegressions + " frames with a lower donationCount than the one before");
        if (c.unparsable > 0) failures.add(c.unparsable + " frames without type/seq/totals");
        long measuredBatches = Math.max(0, ingest.log.endMeasured - (long) ingest.log.firstMeasured);
        out.append(String.format(Locale.ROOT,
                "lag accept -> frame received (each measured batch at each spectator): %s%n"
                        + "        %d batch x spectator pairs expected (%d batches x %d open), %d never shown by a frame,"
                        + " %d shown before the ingest answer was logged (counted as 0 ms)%n",
                c.lag.summary(), measuredBatches * c.openAtEnd, measuredBatches, c.openAtEnd, c.missing, c.early));
        if (c.lag.count() == 0) {
            failures.add("no lag measured");
        } else if (p99Ms > 0 && c.lag.percentileMs(99) >= p99Ms) {
            failures.add(String.format(Locale.ROOT, "lag p99 %.1f ms, target < %s ms", c.lag.percentileMs(99),
                    IngestSimulation.num(p99Ms)));
        }
        if (c.missing > 0) failures.add(c.missing + " batch x spectator pairs never shown");
        out.append(String.format(Locale.ROOT,
                "sockets at the end: %d open here, service reports %s; %d closed during the run (%s)%n",
                c.openAtEnd, sessionsEnd < 0 ? "no leaderboard_push_sessions meter" : sessionsEnd + " sessions",
                clients.closedAfterSnapshot(), clients.reasons()));
        if (clients.closedAfterSnapshot() > 0) failures.add(clients.closedAfterSnapshot() + " spectators closed during the run");
        boolean finalOk = c.finalOk == c.openAtEnd && c.openAtEnd > 0;
        out.append(String.format(Locale.ROOT,
                "final state: %d of %d open spectators show donationCount=%d raisedMinor=%d (what was committed) %s%s%n",
                c.finalOk, c.openAtEnd, expectCount, expectRaised, finalOk ? "OK" : "MISMATCH",
                c.finalMismatch == null ? "" : ", e.g. one shows " + c.finalMismatch));
        if (!finalOk) failures.add("final totals differ at " + (c.openAtEnd - c.finalOk) + " spectators");
        out.append("service's own lags in the measured window (mean): ").append(serviceLags).append('\n');
        double loopDelayMs = clients.maxLoopDelayNanos() / 1e6;
        out.append(String.format(Locale.ROOT,
                "client loops: %s at most %.1f ms in the measured window%s%n",
                clients.loopDelayMeaning(), loopDelayMs, loopDelayMs > 50
                        ? ": THE CLIENT FELL BEHIND, frames queued in it before being timed; the lag is an upper bound" : ""));
        boolean known = cpuService >= 0 && cpuBench >= 0 && cpuMachine >= 0 && cpuPostgres >= 0 && cpuRedis >= 0;
        out.append(String.format(Locale.ROOT,
                "cpu in the measured window (%% of one core; the machine has %d): service %s, PostgreSQL %s, Redis %s,"
                        + " this bench %s; whole machine %s, so everything else %s%n",
                Runtime.getRuntime().availableProcessors(), pct(cpuService, window), pct(cpuPostgres, window),
                pct(cpuRedis, window), pct(cpuBench, window), pct(cpuMachine, window),
                known ? pct(cpuMachine - cpuService - cpuBench - cpuPostgres - cpuRedis, window) : "?"));
    }

    /** Commit to Redis apply, per event (the applier). */
    private static final String APPLY_LAG = "leaderboard_live_apply_lag_seconds";
    /** Commit to frame written, per frame and client (the push). */
    private static final String PUSH_LAG = "leaderboard_push_lag_seconds";

    /** Mean of a timer between two readings of its count and sum. */
    private static String meanOver(String name, double[] before, double[] after) {
        if (before == null || after == null) return name + " not available";
        double n = after[0] - before[0];
        return n <= 0 ? name + " no samples"
                : String.format(Locale.ROOT, "%s %.0f ms over %.0f samples", name, (after[1] - before[1]) / n * 1000, n);
    }

    /** CPU time between two readings; -1 when either is unknown. */
    private static long since(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    private static String pct(long cpuNanos, long windowNanos) {
        return cpuNanos < 0 ? "?" : String.format(Locale.ROOT, "%.0f %%", 100.0 * cpuNanos / windowNanos);
    }

    private void setUpCampaign(HttpClient http) {
        put(http, "/api/campaigns/" + campaignId, "{\"title\":\"Spectator benchmark " + runId + "\",\"currency\":\""
                + IngestSimulation.CURRENCY + "\",\"goalMinor\":100000000}");
        for (int i = 0; i < fundraisers; i++) {
            put(http, "/api/campaigns/" + campaignId + "/fundraisers/f-" + i,
                    "{\"displayName\":\"Bench fundraiser " + i + "\"}");
        }
    }

    private void put(HttpClient http, String path, String json) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + organizerToken)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build();
        try {
            HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200 && res.statusCode() != 201) {
                throw new IllegalStateException("PUT " + path + " answered " + res.statusCode() + ": " + res.body());
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException("PUT " + path + " failed: " + e, e);
        }
    }

    private JsonNode getJson(HttpClient http, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) throw new IllegalStateException("GET " + path + " answered " + res.statusCode());
        return JSON.readTree(res.body());
    }

    /**
     * Until {@code until}: probes the client's event loops every second and prints a progress line
     * every 10 s (open spectators, frames/s, the client's worst loop delay and heap).
     */
    private static void watch(Spectators clients, long until) throws Exception {
        long lastPrint = System.nanoTime();
        long lastFrames = clients.framesSoFar();
        long worst = 0;
        for (long next = lastPrint + SECOND; ; next += SECOND) {
            long wait = Math.min(next, until) - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            long now = System.nanoTime();
            if (now >= until) return;
            worst = Math.max(worst, clients.probeLoops());
            if (now - lastPrint >= 10 * SECOND) {
                long frames = clients.framesSoFar();
                Runtime rt = Runtime.getRuntime();
                progress("%d open, %.0f frames/s, client loops up to %.0f ms late, client heap %d MB", clients.open(),
                        (frames - lastFrames) * 1e9 / (now - lastPrint), worst / 1e6,
                        (rt.totalMemory() - rt.freeMemory()) >> 20);
                lastPrint = now;
                lastFrames = frames;
                worst = 0;
            }
        }
    }

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static void progress(String format, Object... args) {
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + String.format(Locale.ROOT, format, args));
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null ? "" : v;
    }
}
