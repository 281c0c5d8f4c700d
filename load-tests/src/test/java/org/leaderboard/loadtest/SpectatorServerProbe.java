package org.leaderboard.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the spectator bench reads about the service and the machine besides the streams: the
 * service's live heap after a full GC ({@code jcmd <pid> GC.run}, then {@code GC.heap_info}), its
 * resident memory and CPU time from {@code /proc/<pid>}, this JVM's CPU time and the machine's,
 * and the {@code leaderboard_push_*} meters of {@code /actuator/prometheus} on the management port
 * ({@code -DmanagementUrl}, default the host of {@code baseUrl} on port {@code -DmanagementPort},
 * 8081). Heap and /proc need
 * the service on this machine; its pid comes from {@code -DservicePid}, else it is the process
 * listening on the port of {@code baseUrl}.
 */
final class SpectatorServerProbe {

    private static final String LISTEN = "0A";
    private static final Pattern HEAP_USED = Pattern.compile("heap.*?used (\\d+)K");

    /** Where actuator answers: the service's management port, not its public one (API.md, Conventions). */
    private final String managementUrl;
    private final HttpClient http = IngestSimulation.httpClient();
    /** 0 when unknown: heap, RSS and service CPU are then not measured. */
    final long pid;
    private final long ticksPerSecond;

    SpectatorServerProbe(String baseUrl, String pidProperty) {
        URI base = URI.create(baseUrl);
        this.managementUrl = System.getProperty("managementUrl",
                base.getScheme() + "://" + base.getHost() + ":" + Integer.getInteger("managementPort", 8081));
        this.pid = pidProperty != null && !pidProperty.isBlank() ? Long.parseLong(pidProperty.trim())
                : findPid(base.getPort() > 0 ? base.getPort() : 80);
        this.ticksPerSecond = clockTicks();
    }

    /** The process listening on {@code port} (from /proc: the socket's inode, then its owner); 0 if unknown. */
    private static long findPid(int port) {
        Set<String> listening = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    // sl local_address rem_address st ... inode
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !f[3].equals(LISTEN) || !f[1].contains(":")) continue;
                    if (Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16) == port) listening.add("socket:[" + f[9] + "]");
                }
            } catch (IOException | RuntimeException e) {
                // no such table: IPv4 or IPv6 only
            }
        }
        if (listening.isEmpty()) return 0;
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) continue;
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : (Iterable<Path>) fds::iterator) {
                        try {
                            if (listening.contains(Files.readSymbolicLink(fd).toString())) return Long.parseLong(name);
                        } catch (IOException e) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, or not ours to read
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    private static long clockTicks() {
        try {
            return Long.parseLong(run("getconf", "CLK_TCK").get(0).trim());
        } catch (Exception e) {
            return 100;
        }
    }

    /** Live heap of the service in bytes after two full GCs; -1 when it cannot be read. */
    long heapAfterGc() {
        if (pid == 0) return -1;
        try {
            run("jcmd", Long.toString(pid), "GC.run");
            run("jcmd", Long.toString(pid), "GC.run");
            for (String line : run("jcmd", Long.toString(pid), "GC.heap_info")) {
                Matcher m = HEAP_USED.matcher(line);
                if (m.find()) return Long.parseLong(m.group(1)) * 1024;
            }
        } catch (Exception e) {
            System.err.println("heap: jcmd failed: " + e);
        }
        return -1;
    }

    /** Resident memory of the service in bytes; -1 when unknown. */
    long rss() {
        if (pid == 0) return -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time (user + system) of the service in ns; -1 when unknown. */
    long serviceCpuNanos() {
        return pid == 0 ? -1 : processCpuNanos("/proc/" + pid + "/stat");
    }

    long benchCpuNanos() {
        long self = processCpuNanos("/proc/self/stat");
        // and the native spectator client's, a child process of this JVM
        long children = ProcessHandle.current().children()
                .mapToLong(child -> Math.max(0, cpuNanosOf(child.pid()))).sum();
        return self < 0 ? -1 : self + children;
    }

    /** CPU time (user + system) of process {@code pid} in ns; -1 when unknown (e.g. it has ended). */
    long cpuNanosOf(long pid) {
        return processCpuNanos("/proc/" + pid + "/stat");
    }

    /**
     * CPU time of this JVM's child processes that have ended and been waited for (cutime + cstime
     * of /proc/self/stat), in ns; -1 when unknown. The JDK waits for every child it started.
     */
    long endedChildrenCpuNanos() {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 1_000_000_000L / ticksPerSecond;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private long processCpuNanos(String stat) {
        try {
            String s = Files.readString(Path.of(stat));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state is field 3, utime 14, stime 15 (1-based in proc(5))
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1_000_000_000L / ticksPerSecond;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU time of every process whose name is {@code name} (e.g. postgres, redis-server), in ns; -1 when unknown. */
    long cpuNanosOf(String name) {
        long sum = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String pidName = proc.getFileName().toString();
                if (!pidName.chars().allMatch(Character::isDigit)) continue;
                try {
                    if (!Files.readString(proc.resolve("comm")).trim().equals(name)) continue;
                } catch (IOException e) {
                    continue; // gone
                }
                long cpu = processCpuNanos(proc.resolve("stat").toString());
                if (cpu > 0) sum += cpu;
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    /** Busy CPU time of the whole machine (all cores) in ns; -1 when unknown. */
    long machineBusyNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) total += Long.parseLong(f[i]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return (total - idle) * 1_000_000_000L / ticksPerSecond;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The service's {@code leaderboard_push_*} lines (histogram buckets left out); empty if none. */
    List<String> pushMeters() {
        return meters("leaderboard_push");
    }

    /**
     * Count and sum of a Prometheus timer (e.g. {@code leaderboard_live_apply_lag_seconds}), all
     * series added; null when the service does not have it.
     */
    double[] timer(String name) {
        double count = 0;
        double sum = 0;
        boolean found = false;
        for (String line : meters(name)) {
            double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith(name + "_count")) {
                count += v;
                found = true;
            } else if (line.startsWith(name + "_sum")) {
                sum += v;
            }
        }
        return found ? new double[] {count, sum} : null;
    }

    private List<String> meters(String prefix) {
        List<String> out = new ArrayList<>();
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(managementUrl + "/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) return List.of("(" + managementUrl + "/actuator/prometheus answered " + res.statusCode() + ")");
            for (String line : res.body().split("\n")) {
                if (line.startsWith(prefix) && !line.contains("_bucket{")) out.add(line);
            }
        } catch (IOException e) {
            return List.of("(" + managementUrl + "/actuator/prometheus: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** Sum of the {@code leaderboard_push_sessions} series; -1 when the meter is not there. */
    long pushSessions() {
        long sum = -1;
        for (String line : pushMeters()) {
            if (line.startsWith("leaderboard_push_sessions ") || line.startsWith("leaderboard_push_sessions{")) {
                sum = Math.max(sum, 0) + (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static List<String> run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines;
        try (var r = p.inputReader()) {
            lines = r.lines().toList();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + lines);
        }
        return lines;
    }
}
