package org.leaderboard.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Empties one Redis database of the test server before a Spring context starts, over a plain
 * socket (no client library, no event loop): a test class whose PostgreSQL database is recreated
 * must not find live aggregates of an earlier run in Redis, or their batch ids would shadow the
 * new ledger's.
 */
public final class RedisDatabases {

    public static final String HOST = System.getProperty("test.redis.host", "127.0.0.1");
    public static final int PORT = Integer.getInteger("test.redis.port", 6379);

    private RedisDatabases() {
    }

    /** FLUSHDB on database {@code index}. */
    public static void flush(int index) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, PORT), 2_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write((command("SELECT", Integer.toString(index)) + command("FLUSHDB"))
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            for (int reply = 0; reply < 2; reply++) {
                String line = readLine(in);
                if (!line.startsWith("+OK")) {
                    throw new IllegalStateException("Redis answered '" + line + "' to SELECT/FLUSHDB " + index);
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot flush Redis database " + index + " on " + HOST + ":" + PORT, ex);
        }
    }

    private static String command(String... parts) {
        StringBuilder resp = new StringBuilder("*").append(parts.length).append("\r\n");
        for (String part : parts) {
            resp.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(part)
                    .append("\r\n");
        }
        return resp.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
