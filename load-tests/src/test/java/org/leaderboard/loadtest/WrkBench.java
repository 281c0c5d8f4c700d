package org.leaderboard.loadtest;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ingest and read benches with wrk as the load generator instead of Gatling, whose JVM took
 * about as much of this machine's two cores as the service it measured. wrk (C, one event loop per
 * thread, LuaJIT scripts in {@code load-tests/wrk/}) makes the requests and counts the answers; this
 * class only sets the campaign up, starts wrk, reads the one result line each wrk run prints, and then
 * runs the same LEDGER CHECK and API CHECK as the Gatling simulations ({@link IngestChecks}).
 *
 * <ul>
 *   <li>{@code single}: {@code connections} (default 64) closed-loop connections posting one
 *       donation per {@code POST /api/events}, a warm-up run (ids {@code warm-<runId>-…}) and then a
 *       measured run (ids {@code <runId>-…}), as {@link IngestSingleSimulation}.
 *   <li>{@code read}: {@code readers} (default 64) closed-loop readers (top-10 board, then a fundraiser's
 *       standing, as {@link ReadSimulation} with {@code -Dreaders}) while one connection posts
 *       {@code eventsPerSecond} donations in batches of {@code batchSize} to {@code /api/events/batch}.
 * </ul>
 *
 * <p>Each wrk run has a deadline: past it a thread sends nothing more, and once every thread's last
 * answer is in (it prints WRK-DRAINED) wrk is stopped with SIGINT, so no accepted event is cut off in
 * flight. Run with {@code load-tests/bench.sh wrk-single|wrk-read [-Dname=value ...]}; exit 1 when a
 * check fails, 2 when the run could not be done.
 */
public final class WrkBench {

    private final String baseUrl = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    private final String ingestToken = System.getProperty("ingestToken", env("LEADERBOARD_INGEST_TOKEN"));
    private final String organizerToken = System.getProperty("organizerToken", env("LEADERBOARD_ORGANIZER_TOKEN"));
    private final long startedAt = System.currentTimeMillis();
    /** As in IngestSimulation: the ledger check counts the rows of '<runId>-%'. */
    private final String runId = "run-" + startedAt;
    private final String campaignId = System.getProperty("campaignId", "bench-wrk-" + startedAt);
    private final int fundraisers = Integer.getInteger("fundraisers", 50);
    private final int connections = Integer.getInteger("connections", 64);
    /** wrk-read's readers (the same name as ReadSimulation's closed model), one connection each. */
    private final int readers = Integer.getInteger("readers", 64);
    private final int warmupSeconds = Integer.getInteger("warmupSeconds", 30);
    private final int durationSeconds = Integer.getInteger("durationSeconds", 60);
    /** How long past its deadline a wrk run may take for its last answers before it is cut off. */
    private final int drainSeconds = Integer.getInteger("drainSeconds", 10);
    /** wrk's --timeout: the range of its own latency histogram (answers slower count as timeouts). */
    private final int timeoutSeconds = Integer.getInteger("timeoutSeconds", 10);
    private final double eventsPerSecond = Double.parseDouble(System.getProperty("eventsPerSecond", "1000"));
    private final int batchSize = Integer.getInteger("batchSize", 100);
    /** At most this share of failed requests (not 2xx, or unanswered), as the Gatling assertion. */
    private final double maxFailedPercent = Double.parseDouble(System.getProperty("maxFailedPercent", "1"));
    private final String wrk = System.getProperty("wrk", "wrk");
    private final Path scripts = Path.of(System.getProperty("wrkScripts", "load-tests/wrk"));
    private final Path logs = Path.of(System.getProperty("wrkLogs", "load-tests/target/wrk"));
    private final String jdbcUrl = System.getProperty("jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/leaderboard");
    private final String jdbcUser = System.getProperty("jdbcUser", "postgres");
    private final String jdbcPassword = System.getProperty("jdbcPassword", envOr("PGPASSWORD", "postgres"));
    private final boolean ledgerCheck = Boolean.parseBoolean(System.getProperty("ledgerCheck", "true"));
    private final boolean apiCheck = Boolean.parseBoolean(System.getProperty("apiCheck", "true"));

    /** single or read, set by {@link #run}. */
    private String benchMode = "";

    private final IngestChecks checks = new IngestChecks(baseUrl, campaignId, jdbcUrl, jdbcUser, jdbcPassword);
    private final List<String> failures = new ArrayList<>();
    private final StringBuilder out = new StringBuilder();
    private SpectatorServerProbe probe;

    public static void main(String[] args) {
        int status;
        try {
            String mode = args.length == 1 ? args[0] : "";
            IngestSimulation.require(mode.equals("single") || mode.equals("read"), "usage: WrkBench single|read");
            status = new WrkBench().run(mode);
        } catch (Exception e) {
            System.err.println("WRK BENCH FAILED: " + e);
            e.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }

    private int run(String mode) throws Exception {
        benchMode = mode;
        IngestSimulation.require(!ingestToken.isBlank(), "no ingest token: set LEADERBOARD_INGEST_TOKEN or -DingestToken");
        IngestSimulation.require(!organizerToken.isBlank(),
                "no organizer token: set LEADERBOARD_ORGANIZER_TOKEN or -DorganizerToken");
        IngestSimulation.require(connections > 0 && readers > 0 && durationSeconds > 0 && warmupSeconds >= 0
                        && fundraisers > 0,
                "connections, readers, durationSeconds and fundraisers must be > 0, warmupSeconds >= 0");
        IngestSimulation.require(eventsPerSecond > 0 && batchSize > 0 && batchSize <= 1000,
                "eventsPerSecond must be > 0 and batchSize 1..1000");
        Files.createDirectories(logs);
        HttpClient client = IngestSimulation.httpClient();
        checks.createCampaign(client, organizerToken, "Benchmark " + runId, fundraisers);
        IngestChecks.ApiFigures before = null;
        if (apiCheck) {
            try {
                before = checks.apiFigures(client, true);
            } catch (Exception e) {
                throw new IllegalStateException("API CHECK: cannot read the campaign's totals and board before the run"
                        + " (-DapiCheck=false skips the check): " + e.getMessage(), e);
            }
        }
        probe = new SpectatorServerProbe(baseUrl, System.getProperty("servicePid"));
        String load = mode.equals("single")
                ? "connections=" + connections + " (closed loop, one donation per POST /api/events)"
                : String.format(Locale.ROOT, "readers=%d (closed loop: top-10 fundraisers, then a fundraiser's standing)"
                        + " eventsPerSecond=%s in batches of %d (one connection)", readers,
                        IngestSimulation.num(eventsPerSecond), batchSize);
        System.out.printf("%nBENCH WrkBench %s run=%s campaign=%s fundraisers=%d %s warmup=%ds duration=%ds"
                        + " servicePid=%s (wrk logs in %s)%n%n", mode, runId, campaignId, fundraisers, load,
                warmupSeconds, durationSeconds, probe.pid == 0 ? "unknown" : probe.pid, logs);
        out.append(String.format(Locale.ROOT, "%n================ WRK %s BENCH RESULT ================%n"
                + "run=%s campaign=%s %s%n", mode.toUpperCase(Locale.ROOT), runId, campaignId, load));

        long accepted;
        long acceptedSum;
        long unanswered;
        if (mode.equals("single")) {
            Result warm = null;
            if (warmupSeconds > 0) {
                progress("warm-up: %d s", warmupSeconds);
                warm = new Wrk("warm-up", "single.lua", connections, deadline(warmupSeconds),
                        "prefix=warm-" + runId + "-", pacing(), "ramp=" + warmupSeconds * 500).await();
            }
            progress("measured: %d s", durationSeconds);
            Cpu cpu = new Cpu(List.of());
            Result measured = new Wrk("measured", "single.lua", connections, deadline(durationSeconds),
                    "prefix=" + runId + "-", pacing()).await();
            String cpuLine = cpu.line(List.of());
            double target = System.getProperty("eventsPerSecond") == null ? 0 : eventsPerSecond;
            if (warm != null) out.append(ingestSummary(warm, "202 accepted, 200 duplicate", target)).append('\n');
            out.append(ingestSummary(measured, "202 accepted, 200 duplicate", target)).append('\n');
            out.append(cpuLine).append('\n');
            failedShare(measured, measured.l("ok") + measured.l("duplicate"));
            if (measured.l("ok") == 0) failures.add("nothing accepted in the measured phase");
            if (ledgerCheck) {
                if (warm != null) ledger("warm-" + runId + "-", warm, "LEDGER CHECK (warm-up)");
                ledger(runId + "-", measured, "LEDGER CHECK");
            }
            accepted = measured.l("ok") + (warm == null ? 0 : warm.l("ok"));
            acceptedSum = measured.l("okSum") + (warm == null ? 0 : warm.l("okSum"));
            unanswered = measured.unanswered() + (warm == null ? 0 : warm.unanswered());
        } else {
            // The ingest runs through warm-up and measured phase on its own connection; the readers
            // run twice (warm-up, then measured), both timed to end with it.
            long end = deadline(warmupSeconds + durationSeconds);
            progress("ingest: %s events/s for %d s; readers: %d s warm-up, then %d s measured",
                    IngestSimulation.num(eventsPerSecond), warmupSeconds + durationSeconds, warmupSeconds,
                    durationSeconds);
            Wrk ingest = new Wrk("ingest", "ingest.lua", 1, end, "prefix=" + runId + "-", "batch=" + batchSize,
                    "interval=" + (batchSize * 1000.0 / eventsPerSecond));
            Result warm = null;
            if (warmupSeconds > 0) {
                warm = new Wrk("reads-warm-up", "read.lua", readers, end - durationSeconds * 1000L).await();
            }
            progress("measured reads until the ingest's end");
            Cpu cpu = new Cpu(List.of(ingest.process.pid()));
            Result reads = new Wrk("reads-measured", "read.lua", readers, end).await();
            String cpuLine = cpu.line(List.of(ingest.process.pid()));
            Result batches = ingest.await();
            if (warm != null) out.append(readSummary(warm)).append('\n');
            out.append(readSummary(reads)).append('\n');
            out.append(ingestSummary(batches, "200 with a result per event", eventsPerSecond)).append('\n');
            out.append(cpuLine).append(" (wrk: readers and ingest)\n");
            failedShare(reads, reads.l("ok"));
            if (reads.l("ok") == 0) failures.add("no read answered 200 in the measured phase");
            double rate = batches.l("ok") / batches.seconds();
            if (rate < 0.95 * eventsPerSecond) {
                failures.add(String.format(Locale.ROOT, "the ingest reached %.0f of %s events/s", rate,
                        IngestSimulation.num(eventsPerSecond)));
            }
            if (batches.l("rejected") > 0) failures.add(batches.l("rejected") + " ingested events rejected");
            if (ledgerCheck) ledger(runId + "-", batches, "LEDGER CHECK (ingest)");
            accepted = batches.l("ok");
            acceptedSum = batches.l("okSum");
            unanswered = batches.unanswered();
        }
        if (!ledgerCheck) out.append("LEDGER CHECK: skipped (-DledgerCheck=false)\n");
        if (before != null) {
            if (!checks.api(before, accepted, acceptedSum, unanswered, out)) failures.add("API CHECK mismatch");
        } else {
            out.append("API CHECK: skipped (-DapiCheck=false)\n");
        }
        out.append(failures.isEmpty() ? "RESULT: OK\n" : "RESULT: FAILED: " + String.join("; ", failures) + "\n");
        out.append("=====================================================\n");
        System.out.println(out);
        return failures.isEmpty() ? 0 : 1;
    }

    private long deadline(int secondsFromNow) {
        return System.currentTimeMillis() + secondsFromNow * 1000L;
    }

    private void ledger(String prefix, Result r, String label) {
        try {
            if (!checks.ledger(prefix, r.l("ok"), r.l("okSum"), out, label)) failures.add(label + " mismatch");
        } catch (SQLException e) {
            out.append(label).append(": cannot query ").append(jdbcUrl).append(": ").append(e.getMessage())
                    .append(" (use -DjdbcUrl/-DjdbcUser/-DjdbcPassword, or -DledgerCheck=false)\n");
            failures.add(label + " not done");
        }
    }

    /** Requests not answered as expected (another status, or no answer), against the limit. */
    private void failedShare(Result r, long good) {
        long failed = r.l("requests") - good;
        if (failed * 100.0 > maxFailedPercent * r.l("requests")) {
            failures.add(String.format(Locale.ROOT, "%d of %d requests of %s failed (more than %s %%)", failed,
                    r.l("requests"), r.phase, IngestSimulation.num(maxFailedPercent)));
        }
        if (r.l("unexpected") > 0) failures.add(r.l("unexpected") + " answers of " + r.phase + " did not name the events sent");
        if (r.l("undrained") > 0) {
            failures.add(r.l("undrained") + " wrk threads of " + r.phase + " never had their last answer");
        }
    }

    /** single: one phase's events; read: the background ingest (target {@code target} events/s). */
    private String ingestSummary(Result r, String expected, double target) {
        double secs = r.seconds();
        return String.format(Locale.ROOT,
                "%-8s: %.1f s, sent=%d accepted=%d duplicate=%d rejected=%d unanswered=%d -> %.0f accepted events/s%s"
                        + "%n          %s%n          %s",
                r.phase, secs, r.l("events"), r.l("ok"), r.l("duplicate"), r.l("rejected"), r.unanswered(),
                secs > 0 ? r.l("ok") / secs : 0.0,
                target <= 0 ? "" : " (target " + IngestSimulation.num(target) + " events/s; "
                        + (benchMode.equals("single") ? "paced over " + connections + " connections)"
                                : r.l("requests") + " batches of " + batchSize + ")"),
                r.answers(expected), r.latency());
    }

    private String readSummary(Result r) {
        double secs = r.seconds();
        return String.format(Locale.ROOT,
                "reads %-8s: %.1f s, sent=%d ok=%d non-200=%d unanswered=%d -> %.0f reads/s answered 200 (%d readers)"
                        + "%n          %s%n          %s",
                r.phase.replace("reads-", ""), secs, r.l("requests"), r.l("ok"), r.l("answered") - r.l("ok"),
                r.l("requests") - r.l("answered"), secs > 0 ? r.l("ok") / secs : 0.0, readers,
                r.answers("200"), r.latency());
    }

    /**
     * wrk-single's pacing: with {@code -DeventsPerSecond=N}, each of the connections sends one
     * request every {@code connections / N} s (latency counted from when a request was due, see
     * single.lua); without it, a closed loop. The warm-up ramps up to that rate over its first
     * half ({@code ramp=}, as the Gatling rate mode does): a cold service at the full rate falls
     * seconds behind the schedule while it compiles, and catching up would spill into the
     * measured phase.
     */
    private String pacing() {
        String rate = System.getProperty("eventsPerSecond");
        return rate == null ? "interval=0" : "interval=" + (connections * 1000.0 / Double.parseDouble(rate));
    }

    /** One wrk process: started at once, {@link #await()} for its result line. */
    private final class Wrk {
        final String phase;
        final Process process;
        private final int threads;
        private final long limitSeconds;
        private final List<String> command = new ArrayList<>();
        private final Path log;
        private final Thread reader;
        private volatile Map<String, String> result;
        private int drained;

        Wrk(String phase, String script, int threads, long deadlineMs, String... scriptArgs) throws IOException {
            this.phase = phase;
            this.threads = threads;
            // wrk's own duration is only the hard limit; the script's deadline ends the run.
            limitSeconds = Math.max(1, (deadlineMs - System.currentTimeMillis() + 999) / 1000) + drainSeconds;
            // One connection per thread (-t N -c N): load-tests/wrk/lib.lua says why.
            command.addAll(List.of(wrk, "-t", Integer.toString(threads), "-c", Integer.toString(threads),
                    "-d", limitSeconds + "s", "--timeout", timeoutSeconds + "s", "--latency",
                    "-s", scripts.resolve(script).toString(), baseUrl, "--",
                    "campaign=" + campaignId, "fundraisers=" + fundraisers, "deadline=" + deadlineMs));
            command.addAll(List.of(scriptArgs));
            log = logs.resolve(runId + "-" + phase + ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            // The token goes through the environment, so it is not on wrk's command line (ps).
            pb.environment().put("LEADERBOARD_INGEST_TOKEN", ingestToken);
            // single.lua defines delay() (pacing) only when asked: wrk decides once, at load, whether
            // a script paces, and a closed loop should not go through wrk's timers at all.
            if (List.of(scriptArgs).stream().anyMatch(a -> a.startsWith("interval=") && !a.equals("interval=0"))) {
                pb.environment().put("WRK_PACED", "1");
            }
            process = pb.start();
            reader = new Thread(this::read, "wrk-" + phase);
            reader.setDaemon(true);
            reader.start();
        }

        /** Copies wrk's output to the log, counts the drained threads and keeps the result line. */
        private void read() {
            try (BufferedReader r = process.inputReader(); BufferedWriter w = Files.newBufferedWriter(log)) {
                w.write("$ " + String.join(" ", command) + "\n");
                for (String line; (line = r.readLine()) != null; ) {
                    w.write(line);
                    w.newLine();
                    if (line.equals("WRK-DRAINED") && ++drained == threads) {
                        // Every thread's last answer is in: end wrk now rather than at -d (it reports on SIGINT).
                        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
                    } else if (line.startsWith("WRK-RESULT ")) {
                        Map<String, String> m = new HashMap<>();
                        for (String kv : line.substring(11).split(" ")) {
                            int eq = kv.indexOf('=');
                            m.put(kv.substring(0, eq), kv.substring(eq + 1));
                        }
                        result = m;
                    }
                }
            } catch (IOException e) {
                System.err.println("wrk " + phase + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        Result await() throws InterruptedException, IOException {
            if (!process.waitFor(limitSeconds + 60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("wrk " + phase + " did not end; see " + log);
            }
            reader.join(10_000);
            if (result == null) {
                throw new IOException("wrk " + phase + " exited " + process.exitValue() + " without a result line: "
                        + Files.readAllLines(log).stream().skip(Math.max(0, Files.readAllLines(log).size() - 15)).toList()
                        + " (whole output in " + log + ")");
            }
            if (drained < threads) {
                progress("wrk %s: %d of %d threads had their last answer before the %d s limit (see %s)", phase,
                        drained, threads, limitSeconds, log);
            }
            return new Result(phase, result, log);
        }
    }

    /** The counters of one wrk run (load-tests/wrk/lib.lua, done()). */
    private record Result(String phase, Map<String, String> r, Path log) {

        long l(String key) {
            return Math.round(Double.parseDouble(r.get(key)));
        }

        double d(String key) {
            return Double.parseDouble(r.get(key));
        }

        /** First request sent to last answer received. */
        double seconds() {
            return (d("lastMs") - d("firstMs")) / 1000.0;
        }

        /** Events sent whose outcome is not known: no answer, not 2xx, or an answer that did not name them. */
        long unanswered() {
            return l("events") - l("ok") - l("duplicate") - l("rejected");
        }

        /** Answers by HTTP status, socket errors and timeouts: what did not go well is never left out. */
        String answers(String expected) {
            return String.format(Locale.ROOT,
                    "answers by status: %s (expected: %s); unanswered requests %d; socket errors: connect %d, read %d,"
                            + " write %d; timeouts (slower than wrk's --timeout) %d; answers not naming the events sent %d%s",
                    r.get("status"), expected, l("requests") - l("answered"), l("connectErrors"), l("readErrors"),
                    l("writeErrors"), l("timeouts"), l("unexpected"), l("undrained") == 0 ? ""
                            : "; " + l("undrained") + " threads never had their last answer (their statuses and"
                                    + " latencies are left out of these figures)");
        }

        String latency() {
            return String.format(Locale.ROOT,
                    "latency of every answer: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms"
                            + " | wrk's own (corrected for coordinated omission): p50 %.1f, p90 %.1f, p99 %.1f, max %.1f ms",
                    d("p50"), d("p90"), d("p99"), d("max"), d("wrkP50"), d("wrkP90"), d("wrkP99"), d("wrkMax"));
        }
    }

    /**
     * CPU time of the service, wrk, PostgreSQL, Redis, this JVM and the machine over a window. wrk:
     * the children that ended in the window (the JDK waits for them, so they show in this process's
     * cutime), plus those still running at its end, less what they had used before it.
     */
    private final class Cpu {
        private final long wallStart = System.nanoTime();
        private final long service = probe.serviceCpuNanos();
        private final long postgres = probe.cpuNanosOf("postgres");
        private final long redis = probe.cpuNanosOf("redis-server");
        private final long self = probe.benchCpuNanos();
        private final long machine = probe.machineBusyNanos();
        private final long endedChildren = probe.endedChildrenCpuNanos();
        private final Map<Long, Long> running = new HashMap<>();

        Cpu(List<Long> runningWrk) {
            for (long pid : runningWrk) running.put(pid, probe.cpuNanosOf(pid));
        }

        String line(List<Long> runningWrk) {
            long window = System.nanoTime() - wallStart;
            long wrkCpu = since(endedChildren, probe.endedChildrenCpuNanos());
            for (long pid : runningWrk) {
                long now = probe.cpuNanosOf(pid);
                long then = running.getOrDefault(pid, 0L);
                wrkCpu += now >= 0 ? now - then : -then; // ended meanwhile: its whole life is in cutime
            }
            long serviceCpu = since(service, probe.serviceCpuNanos());
            long postgresCpu = since(postgres, probe.cpuNanosOf("postgres"));
            long redisCpu = since(redis, probe.cpuNanosOf("redis-server"));
            long selfCpu = since(self, probe.benchCpuNanos());
            long machineCpu = since(machine, probe.machineBusyNanos());
            boolean known = serviceCpu >= 0 && postgresCpu >= 0 && redisCpu >= 0 && selfCpu >= 0 && machineCpu >= 0;
            return String.format(Locale.ROOT,
                    "cpu in the measured window (%% of one core; the machine has %d): service %s, wrk %s, PostgreSQL %s,"
                            + " Redis %s, this JVM %s, machine %s, other %s",
                    Runtime.getRuntime().availableProcessors(), pct(serviceCpu, window), pct(wrkCpu, window),
                    pct(postgresCpu, window), pct(redisCpu, window), pct(selfCpu, window), pct(machineCpu, window),
                    known ? pct(machineCpu - serviceCpu - wrkCpu - postgresCpu - redisCpu - selfCpu, window) : "?");
        }

        private static long since(long before, long now) {
            return before < 0 || now < 0 ? -1 : now - before;
        }

        private static String pct(long cpuNanos, long windowNanos) {
            return cpuNanos < 0 ? "?" : String.format(Locale.ROOT, "%.0f %%", 100.0 * cpuNanos / windowNanos);
        }
    }

    private static void progress(String format, Object... args) {
        System.out.printf("%tT %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, format, args));
    }

    private static String env(String name) {
        return envOr(name, "");
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
