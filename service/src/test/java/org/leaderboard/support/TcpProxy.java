package org.leaderboard.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder from a fixed local port to PostgreSQL that a test can stop (the database is
 * gone), pause (the database stalls) or lose its replies, so the service's behaviour under those faults can be
 * tested against the real server instead of a mock.
 */
public final class TcpProxy implements AutoCloseable {

    private static final AtomicInteger PROXIES = new AtomicInteger();

    private final InetSocketAddress target;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private final ExecutorService threads;
    private ServerSocket server;
    private int port;
    private boolean paused;
    private boolean repliesPaused;
    private volatile byte[] replyPauseMarker;
    private final AtomicLong requestReads = new AtomicLong();
    private boolean closed;

    public TcpProxy(String targetHost, int targetPort) {
        this.target = new InetSocketAddress(targetHost, targetPort);
        int id = PROXIES.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "tcp-proxy-" + id + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A proxy to the test PostgreSQL server. */
    public static TcpProxy toPostgres() {
        return new TcpProxy(TestServices.PG_HOST, TestServices.PG_PORT);
    }

    /** Listens (again) on the proxy's port, chosen at the first start. Does nothing when already listening. */
    public synchronized TcpProxy start() {
        if (closed) {
            throw new IllegalStateException("The proxy is closed");
        }
        if (server != null) {
            return this;
        }
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            port = socket.getLocalPort();
            server = socket;
            threads.execute(() -> accept(socket));
            return this;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot listen on port " + port, ex);
        }
    }

    /** Closes the listening socket and every forwarded connection: new connections are refused, open ones break. */
    public synchronized void stop() {
        if (server != null) {
            closeQuietly(server);
            server = null;
        }
        links.forEach(Link::close);
    }

    /** Keeps connections open (and accepts new ones) but forwards no byte until {@link #resume()}. */
    public void pause() {
        synchronized (gate) {
            paused = true;
        }
    }

    /**
     * Forwards requests as usual until one carries {@code marker} (say the simple query
     * {@code COMMIT}), then holds every reply until {@link #resume()}: the database does the
     * work but its answer is lost, as when the network fails right after a commit.
     */
    public void pauseRepliesAfter(String marker) {
        replyPauseMarker = marker.getBytes(StandardCharsets.US_ASCII);
    }

    /** Forwards both ways again, after {@link #pause()} or {@link #pauseRepliesAfter(String)}. */
    public void resume() {
        synchronized (gate) {
            paused = false;
            repliesPaused = false;
            replyPauseMarker = null;
            gate.notifyAll();
        }
    }

    /**
     * Chunks of bytes read from the service's side so far: about one per round trip to
     * PostgreSQL (requests sent together may share one), so a test can count round trips.
     */
    public long requestReads() {
        return requestReads.get();
    }

    /** The local port, fixed for the proxy's life once started. */
    public synchronized int port() {
        if (port == 0) {
            throw new IllegalStateException("The proxy has not been started");
        }
        return port;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            stop();
        }
        resume();
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Proxy threads still running 5 s after close");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            }
            catch (IOException ex) {
                return; // closed by stop()
            }
            threads.execute(() -> connect(socket, client));
        }
    }

    private void connect(ServerSocket listener, Socket client) {
        Socket upstream = new Socket();
        Link link = new Link(client, upstream);
        links.add(link);
        if (listener.isClosed()) { // stop() ran between accept and add
            link.close();
            return;
        }
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(target, 2000);
            threads.execute(() -> pump(link, upstream, client, false));
            pump(link, client, upstream, true);
        }
        catch (IOException ex) {
            link.close();
        }
    }

    /** Copies bytes one way until either side closes; holds them while paused. */
    private void pump(Link link, Socket from, Socket to, boolean request) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (request) {
                    requestReads.incrementAndGet();
                }
                byte[] marker = replyPauseMarker;
                if (request && marker != null && contains(buffer, read, marker)) {
                    synchronized (gate) {
                        repliesPaused = true; // before the request leaves, so its reply cannot slip through
                        replyPauseMarker = null;
                    }
                }
                awaitResumed(link, request);
                out.write(buffer, 0, read);
                out.flush();
            }
        }
        catch (IOException | InterruptedException ex) {
            // the link is broken or the proxy is closing
        }
        finally {
            link.close();
        }
    }

    private void awaitResumed(Link link, boolean request) throws InterruptedException, IOException {
        synchronized (gate) {
            while (paused || (!request && repliesPaused)) {
                if (link.closed) {
                    throw new IOException("Link closed while paused");
                }
                gate.wait(100);
            }
        }
    }

    private static boolean contains(byte[] buffer, int length, byte[] marker) {
        outer:
        for (int i = 0; i + marker.length <= length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (buffer[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private final class Link {

        private final Socket client;
        private final Socket upstream;
        private volatile boolean closed;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            closed = true;
            closeQuietly(client);
            closeQuietly(upstream);
            links.remove(this);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ex) {
            // already closed
        }
    }
}
