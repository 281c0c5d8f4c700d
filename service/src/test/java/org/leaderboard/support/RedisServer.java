package org.leaderboard.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A Redis server of a test's own (the machine's {@code redis-server}, on a free port, keeping
 * nothing on disk), so a test can take Redis away and bring it back empty, as a crash or restart
 * does, without touching the server other test classes share.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final Path dir;
    private Process process;

    public RedisServer() {
        this.port = freePort();
        try {
            this.dir = Files.createTempDirectory("redis-test-");
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public int port() {
        return port;
    }

    /** Starts the server, empty, and waits until it accepts connections. */
    public synchronized RedisServer start() {
        if (process != null && process.isAlive()) {
            return this;
        }
        try {
            process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                    .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "redis.log")).start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot start redis-server (is it on the PATH?)", ex);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!accepts()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("redis-server did not start on port " + port);
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return this;
    }

    /** Kills the server at once (its data is gone), and waits until its port refuses connections. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** FLUSHALL: the server keeps running with nothing in it, as after an operator's mistake. */
    public void flushAll() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("*1\r\n$8\r\nFLUSHALL\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = socket.getInputStream().readNBytes(5);
            if (!new String(reply, StandardCharsets.US_ASCII).equals("+OK\r\n")) {
                throw new IllegalStateException("FLUSHALL answered " + new String(reply, StandardCharsets.US_ASCII));
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() {
        kill();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
