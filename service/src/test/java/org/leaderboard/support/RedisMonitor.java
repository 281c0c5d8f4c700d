package org.leaderboard.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redis's MONITOR over a plain socket: every command the server runs, including those a Lua
 * script runs (which Redis lists right after the EVALSHA that ran them), so a test can check
 * which keys a script touched against the keys it declared.
 */
public final class RedisMonitor implements AutoCloseable {

    /** A command as MONITOR shows it: the database, whether a script ran it, its words. */
    public record Command(int database, boolean fromScript, List<String> words) {

        public String name() {
            return words.get(0).toUpperCase();
        }
    }

    /** A script call (EVAL or EVALSHA) and the commands it ran. */
    public record ScriptCall(Command call, List<Command> commands) {

        public List<String> declaredKeys() {
            int count = Integer.parseInt(call.words().get(2));
            return call.words().subList(3, 3 + count);
        }
    }

    private static final Pattern LINE = Pattern.compile("^\\+?[0-9.]+ \\[(\\d+) ([^\\]]+)\\] (.*)$");
    private static final Pattern WORD = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Socket socket;
    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private RedisMonitor(Socket socket) {
        this.socket = socket;
        this.reader = new Thread(this::read, "redis-monitor");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    public static RedisMonitor open() {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(RedisDatabases.HOST, RedisDatabases.PORT), 2_000);
            socket.getOutputStream().write("*1\r\n$7\r\nMONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // Monitoring has begun once Redis answers +OK: commands sent after that are all seen.
            byte[] ok = socket.getInputStream().readNBytes(5);
            if (!new String(ok, StandardCharsets.US_ASCII).equals("+OK\r\n")) {
                throw new IllegalStateException("MONITOR answered " + new String(ok, StandardCharsets.US_ASCII));
            }
            return new RedisMonitor(socket);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The script calls run on {@code database} so far, each with the commands it ran. Waits until
     * the monitor has seen everything sent before this call (an ECHO sent after it comes back).
     */
    public List<ScriptCall> scriptCalls(int database) {
        String mark = "monitor-mark-" + UUID.randomUUID();
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(RedisDatabases.HOST, RedisDatabases.PORT), 2_000);
            probe.getOutputStream().write(("*2\r\n$4\r\nECHO\r\n$" + mark.length() + "\r\n" + mark + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            probe.getInputStream().read(new byte[128]);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        Eventually.await(Duration.ofSeconds(10), () -> commands.stream().anyMatch(c -> c.words().contains(mark)),
                Boolean::booleanValue);
        List<ScriptCall> calls = new ArrayList<>();
        for (Command command : commands) {
            if (command.database() != database) {
                continue;
            }
            if (command.fromScript()) {
                if (!calls.isEmpty()) {
                    calls.get(calls.size() - 1).commands().add(command);
                }
            }
            else if (command.name().equals("EVALSHA") || command.name().equals("EVAL")) {
                calls.add(new ScriptCall(command, new ArrayList<>()));
            }
        }
        return calls;
    }

    public void clear() {
        commands.clear();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                Matcher matcher = LINE.matcher(line);
                if (matcher.matches()) {
                    List<String> words = new ArrayList<>();
                    Matcher word = WORD.matcher(matcher.group(3));
                    while (word.find()) {
                        words.add(word.group(1));
                    }
                    commands.add(new Command(Integer.parseInt(matcher.group(1)), matcher.group(2).equals("lua"), words));
                }
            }
        }
        catch (IOException ex) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        }
        catch (IOException ex) {
            // nothing to do
        }
    }
}
