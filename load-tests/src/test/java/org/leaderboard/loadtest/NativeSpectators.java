package org.leaderboard.loadtest;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket spectators in a native process (load-tests/native/spectators.c), driven over its
 * stdin and stdout one command at a time; it reads the ingest's batch log from a file this JVM
 * maps and writes ({@link SpectatorIngest.Log#mirrorTo}). The same counts as {@link SpectatorClients}
 * for a fraction of the CPU, which on this machine the service under test gets instead.
 */
final class NativeSpectators implements Spectators {

    private final URI streamUri;
    private final Process process;
    private final BufferedWriter commands;
    private final BufferedReader answers;
    private final Path logFile;
    private final int maxPendingConnects;
    private int asked;

    NativeSpectators(Path binary, String baseUrl, String campaignId, String origin, int threads,
            int maxPendingConnects, boolean deflate, long pauseMicros, SpectatorIngest.Log log) throws IOException {
        URI base = URI.create(baseUrl);
        String host = base.getHost();
        int port = base.getPort() > 0 ? base.getPort() : 80;
        String path = "/ws/campaigns/" + campaignId;
        this.streamUri = URI.create("ws://" + host + ":" + port + path);
        this.maxPendingConnects = maxPendingConnects;
        this.logFile = Files.createTempFile("spectator-batches-", ".bin");
        log.mirrorTo(logFile);
        this.process = new ProcessBuilder(binary.toString(), host, Integer.toString(port), path,
                origin == null ? "-" : origin, deflate ? "1" : "0", Integer.toString(threads), logFile.toString(),
                Long.toString(pauseMicros))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII));
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII),
                1 << 20);
    }

    private synchronized String ask(String command) throws IOException {
        commands.write(command);
        commands.write('\n');
        commands.flush();
        return answer(command);
    }

    private String answer(String command) throws IOException {
        String line = answers.readLine();
        if (line == null) {
            throw new IOException("the native spectator client ended (exit " + exitValue() + ") on '" + command + "'");
        }
        if (line.startsWith("error")) throw new IOException("native spectator client: " + line);
        return line;
    }

    private String exitValue() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** started, open, everOpen, failed, closedAfterSnapshot, frames. */
    private long[] status() throws IOException {
        String[] p = ask("status").split(" ");
        long[] v = new long[p.length - 1];
        for (int i = 1; i < p.length; i++) v[i - 1] = Long.parseLong(p[i]);
        return v;
    }

    @Override
    public URI streamUri() {
        return streamUri;
    }

    @Override
    public void connect(int n, double perSecond) throws IOException {
        asked = n;
        ask("connect " + n + " " + perSecond + " " + maxPendingConnects);
    }

    @Override
    public boolean awaitSettled(long timeoutNanos) throws Exception {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            long[] s = status();
            if (s[0] >= asked && s[2] + s[3] >= s[0]) return true;
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
    }

    @Override
    public int open() throws IOException {
        return (int) status()[1];
    }

    @Override
    public int failed() throws IOException {
        return (int) status()[3];
    }

    @Override
    public int closedAfterSnapshot() throws IOException {
        return (int) status()[4];
    }

    @Override
    public long framesSoFar() throws IOException {
        return status()[5];
    }

    @Override
    public void measureWindow(long fromNanos, long toNanos) throws IOException {
        ask("measure " + fromNanos + " " + toNanos);
    }

    @Override
    public long probeLoops() throws IOException {
        return Long.parseLong(ask("probe").split(" ")[1]);
    }

    @Override
    public long maxLoopDelayNanos() throws IOException {
        return Long.parseLong(ask("worst").split(" ")[1]);
    }

    @Override
    public String loopDelayMeaning() {
        return "one round of a native loop (the sockets one epoll_wait reported) took";
    }

    @Override
    public synchronized SpectatorClients.Collected collect(long expectCount, long expectRaised) throws IOException {
        String head = ask("collect " + expectCount + " " + expectRaised);
        if (!head.startsWith("collect ")) throw new IOException("native spectator client answered " + head);
        Map<String, Long> v = new HashMap<>();
        for (String kv : head.substring("collect ".length()).split(" ")) {
            int eq = kv.indexOf('=');
            v.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
        }
        SpectatorClients.Collected c = new SpectatorClients.Collected();
        c.frames = v.get("frames");
        c.measuredFrames = v.get("measuredFrames");
        c.measuredBytes = v.get("measuredBytes");
        c.compressedFrames = v.get("compressedFrames");
        c.headsReused = v.get("headsReused");
        c.snapshots = v.get("snapshots");
        c.resyncs = v.get("resyncs");
        c.seqGaps = v.get("seqGaps");
        c.countRegressions = v.get("countRegressions");
        c.unparsable = v.get("unparsable");
        c.early = v.get("early");
        c.openAtEnd = v.get("openAtEnd");
        c.finalOk = v.get("finalOk");
        c.missing = v.get("missing");
        if (v.containsKey("mismatchCount")) {
            c.finalMismatch = "donationCount=" + v.get("mismatchCount") + " raisedMinor=" + v.get("mismatchRaised");
        }
        for (String line = answer("collect"); !line.equals("end"); line = answer("collect")) {
            String[] p = line.split(" ");
            if (!p[0].equals("hist")) throw new IOException("native spectator client answered " + line);
            SpectatorHistogram h = p[1].equals("lag") ? c.lag : c.toSnapshot;
            h.atLeastMax(Long.parseLong(p[3]));
            for (int i = 4; i < p.length; i++) {
                int colon = p[i].indexOf(':');
                h.addBucket(Integer.parseInt(p[i].substring(0, colon)), Long.parseLong(p[i].substring(colon + 1)));
            }
            if (h.count() != Long.parseLong(p[2])) throw new IOException("histogram " + p[1] + " incomplete");
        }
        return c;
    }

    @Override
    public synchronized String reasons() throws IOException {
        Map<String, Long> sorted = new TreeMap<>();
        for (String line = ask("reasons"); !line.equals("end"); line = answer("reasons")) {
            String[] p = line.split(" ", 3);
            sorted.put(p[2], Long.parseLong(p[1]));
        }
        return sorted.isEmpty() ? "none" : sorted.toString();
    }

    /** Close frames to the service, then the process exits (or is killed after 20 s). */
    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) ask("close");
        } catch (IOException e) {
            System.err.println("native spectator client: " + e.getMessage());
        } finally {
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
            Files.deleteIfExists(logFile);
        }
    }
}
