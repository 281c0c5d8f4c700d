package org.leaderboard.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The repository's own nginx configuration (deploy/nginx/nginx.conf, the one docker-compose.yml
 * mounts) run with the machine's nginx as a child process on a loopback port, in front of service
 * instances of the test's own. Only what ties the file to the compose network is rewritten: the
 * upstream servers, the listen address, the log files and the temporary paths; everything that
 * shapes a request (headers, buffering, timeouts, the WebSocket upgrade) is the file's own.
 * Never the system service: its pid, logs and temporary files live in a directory of its own.
 */
public final class Nginx implements AutoCloseable {

    public static final Path CONFIGURATION = Path.of("../deploy/nginx/nginx.conf");

    private static final Pattern UPSTREAM = Pattern.compile("(upstream\\s+leaderboard\\s*\\{)([^}]*)(})");
    private static final Pattern UPSTREAM_SERVER = Pattern.compile("(?m)^\\s*server\\s+[^;]+;[^\\n]*\\n");
    private static final Pattern LISTEN = Pattern.compile("(?m)^(\\s*)listen\\s+8080\\s*;");
    private static final Pattern LOG_FOLDER = Pattern.compile("/var/log/nginx/");
    private static final Pattern HTTP_BLOCK = Pattern.compile("(?m)^http\\s*\\{");

    private final Process process;
    private final Path prefix;
    private final int port;

    private Nginx(Process process, Path prefix, int port) {
        this.process = process;
        this.prefix = prefix;
        this.port = port;
    }

    /** The nginx executable: on the PATH, or Debian's /usr/sbin/nginx (not on a non-root PATH). */
    public static Optional<Path> executable() {
        Stream<Path> path = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty()).map(Path::of);
        return Stream.concat(path, Stream.of(Path.of("/usr/sbin")))
                .map(dir -> dir.resolve("nginx"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Starts {@code executable} with the repository's configuration in front of 127.0.0.1:{@code upstreamPorts}. */
    public static Nginx start(Path executable, List<Integer> upstreamPorts) {
        try {
            Path prefix = Files.createTempDirectory("lbt-nginx-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.createDirectories(prefix.resolve("logs"));
            Files.createDirectories(prefix.resolve("temp"));
            int port = freePort();
            Path conf = prefix.resolve("nginx.conf");
            Files.writeString(conf, rewrite(Files.readString(CONFIGURATION), prefix, port, upstreamPorts));
            Process process = new ProcessBuilder(executable.toString(), "-p", prefix.toString(), "-c", conf.toString(),
                    "-e", prefix.resolve("logs/error.log").toString(),
                    "-g", "daemon off; pid " + prefix.resolve("nginx.pid") + ";")
                    .redirectErrorStream(true)
                    .redirectOutput(prefix.resolve("logs/output.log").toFile())
                    .start();
            // A test JVM that ends without closing it (an error in a test's set-up) takes nginx along.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            Nginx nginx = new Nginx(process, prefix, port);
            nginx.awaitListening(Duration.ofSeconds(10));
            return nginx;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The configuration with this run's upstreams, port and files. Fails when a line it rewrites is
     * gone, so the file and this test cannot drift apart unnoticed.
     */
    static String rewrite(String conf, Path prefix, int port, List<Integer> upstreamPorts) {
        Matcher upstream = UPSTREAM.matcher(conf);
        require(upstream.find(), "an 'upstream leaderboard { … }' block");
        require(UPSTREAM_SERVER.matcher(upstream.group(2)).find(), "'server …;' lines in 'upstream leaderboard'");
        String servers = upstreamPorts.stream().map(p -> "        server 127.0.0.1:" + p + ";\n")
                .collect(Collectors.joining());
        String body = UPSTREAM_SERVER.matcher(upstream.group(2)).replaceAll("");
        conf = conf.substring(0, upstream.start()) + upstream.group(1) + "\n" + servers + body + upstream.group(3)
                + conf.substring(upstream.end());

        Matcher listen = LISTEN.matcher(conf);
        require(listen.find(), "a 'listen 8080;' line");
        conf = listen.replaceFirst("$1listen 127.0.0.1:" + port + ";");
        require(!LISTEN.matcher(conf).find(), "a single 'listen 8080;' line");

        require(LOG_FOLDER.matcher(conf).find(), "log files under /var/log/nginx/");
        conf = LOG_FOLDER.matcher(conf).replaceAll(Matcher.quoteReplacement(prefix.resolve("logs") + "/"));

        Matcher http = HTTP_BLOCK.matcher(conf);
        require(http.find(), "an 'http {' block");
        StringBuilder temp = new StringBuilder();
        for (String kind : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            temp.append("    ").append(kind).append("_temp_path ").append(prefix.resolve("temp/" + kind)).append(";\n");
        }
        return conf.substring(0, http.end()) + "\n" + temp + conf.substring(http.end());
    }

    private static void require(boolean found, String what) {
        if (!found) {
            throw new IllegalStateException(CONFIGURATION + " changed: the test rewrites " + what
                    + " and found none; keep it or adapt " + Nginx.class.getName());
        }
    }

    public int port() {
        return port;
    }

    /** nginx's own logs of this run (error log and output), for a failure's message. */
    public String logs() {
        try (Stream<Path> files = Files.list(prefix.resolve("logs"))) {
            StringBuilder text = new StringBuilder();
            for (Path file : files.sorted().toList()) {
                text.append("--- ").append(file.getFileName()).append('\n').append(Files.readString(file));
            }
            return text.toString();
        }
        catch (IOException ex) {
            return "(logs unreadable: " + ex + ")";
        }
    }

    private void awaitListening(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() - end < 0) {
            if (!process.isAlive()) {
                String logs = logs();
                close();
                throw new IllegalStateException("nginx exited with status " + process.exitValue() + ":\n" + logs);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (IOException notYet) {
                sleep(50);
            }
        }
        String logs = logs();
        close();
        throw new IllegalStateException("nginx did not listen on 127.0.0.1:" + port + " within " + deadline + ":\n"
                + logs);
    }

    /** Stops nginx (SIGTERM: a fast shutdown, its workers with it), waits for it, and removes its directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(prefix)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
