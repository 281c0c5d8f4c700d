package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.Test;
import org.leaderboard.live.StreamClient.Received;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A spectator whose connection stops reading (a phone in a tunnel, a hostile client) never slows
 * another: the fast client keeps getting every update within a second, while the stalled one
 * costs at most its latest frame and is dropped once it took nothing for the configured time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "leaderboard.stream.tick=20ms", "leaderboard.stream.slow-client-timeout=1s",
        "leaderboard.stream.refresh-interval=1h", "leaderboard.stream.heartbeat=300ms" })
class LiveStreamSlowClientIntegrationTests {

    static final String DB = "lbt_live_slow";
    static final int REDIS_DB = 15;
    static final Duration PATIENCE = Duration.ofSeconds(10);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry registry;

    @Test
    void aClientThatNeverReadsDoesNotDelayAFastOneAndIsDropped() throws Exception {
        WebTestClient http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
        http.put().uri("/api/campaigns/sl-surge").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"title\":\"Surge\",\"currency\":\"EUR\",\"goalMinor\":100000}")
                .exchange().expectStatus().isCreated();

        try (StreamClient fast = StreamClient.webSocket(port, "sl-surge", null).awaitOpen();
                Socket slow = stalledWebSocket("sl-surge")) {
            fast.next(PATIENCE);
            awaitSessions(2);
            double closedBefore = closedSlow();

            // Frames of ~25 KB (20 new feed entries with long messages each round) fill the stalled
            // connection's buffers within a few rounds.
            String message = "m".repeat(1000);
            long raised = 0;
            int round = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (closedSlow() == closedBefore && System.nanoTime() < deadline) {
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    events.add(LiveStreamIntegrationTests.donationJson("sl-surge", "sl-" + round + "-" + i, null, 10,
                            "Donor", false, message));
                    raised += 10;
                }
                http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                        .contentType(MediaType.APPLICATION_JSON).bodyValue("[" + String.join(",", events) + "]")
                        .exchange().expectStatus().isOk();
                long accepted = System.nanoTime();
                long expected = raised;
                Received seen = fast.await(PATIENCE, m -> m.total("raisedMinor") == expected);
                assertThat(Duration.ofNanos(seen.atNanos() - accepted)).as("round %d on the fast client", round)
                        .isLessThan(Duration.ofSeconds(1));
                round++;
            }
            assertThat(closedSlow()).as("the stalled client was dropped").isGreaterThan(closedBefore);
            awaitSessions(1);
            assertThat(dropped(slow)).as("its connection is closed").isTrue();

            List<Received> all = fast.all();
            for (int i = 1; i < all.size(); i++) {
                assertThat(all.get(i).type()).isEqualTo("update");
                assertThat(all.get(i).seq()).as("the fast client missed nothing").isEqualTo(all.get(i - 1).seq() + 1);
            }
            assertThat(registry.get("leaderboard.push.conflated").tag("reason", "slow-client").counter().count())
                    .as("frames the stalled client never got were replaced, not queued").isPositive();
        }
    }

    @Test
    void idleStreamsGetHeartbeats() throws Exception {
        WebTestClient http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
        http.put().uri("/api/campaigns/sl-idle").headers(h -> h.setBearerAuth(ORGANIZER_TOKEN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"title\":\"Idle\",\"currency\":\"EUR\",\"goalMinor\":100000}")
                .exchange().expectStatus().isCreated();
        try (StreamClient sse = StreamClient.sse(port, "sl-idle"); Socket ws = stalledWebSocket("sl-idle")) {
            assertThat(sse.next(PATIENCE).type()).isEqualTo("snapshot");
            InputStream in = ws.getInputStream();
            assertThat(readFrame(in)[0] & 0x0f).as("first a text frame: the snapshot").isEqualTo(0x1);
            assertThat(readFrame(in)[0] & 0x0f).as("then, idle, a ping").isEqualTo(0x9);
            assertThat(readFrame(in)[0] & 0x0f).as("and another").isEqualTo(0x9);
            assertThat(Eventually.await(PATIENCE, sse::comments, n -> n >= 2)).as("SSE comment lines")
                    .isGreaterThanOrEqualTo(2);
        }
    }

    /** Reads one server frame (unmasked) from a raw WebSocket; answers its first byte and payload length. */
    private static int[] readFrame(InputStream in) throws IOException {
        int first = in.read();
        int length = in.read() & 0x7f;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        }
        else if (length == 127) {
            long big = 0;
            for (int i = 0; i < 8; i++) {
                big = (big << 8) | in.read();
            }
            length = (int) big;
        }
        in.readNBytes(length);
        return new int[] { first, length };
    }

    /** A WebSocket whose client completes the handshake with a tiny receive window and then never reads. */
    private Socket stalledWebSocket(String campaignId) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws/campaigns/" + campaignId + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the handshake: " + head);
            }
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        return socket;
    }

    /** Reads what the server had sent until the connection ends; true when it ends within 10 s. */
    private static boolean dropped(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = socket.getInputStream();
            while (in.read(buffer) >= 0) {
                // discard
            }
            return true;
        }
        catch (SocketTimeoutException ex) {
            return false;
        }
        catch (SocketException ex) {
            return true; // reset by the server
        }
    }

    private double closedSlow() {
        return registry.get("leaderboard.push.closed").tag("reason", "slow-client").counter().count();
    }

    private void awaitSessions(int expected) throws InterruptedException {
        long end = System.nanoTime() + PATIENCE.toNanos();
        double open;
        do {
            open = registry.get("leaderboard.push.sessions").tag("transport", "websocket").gauge().value();
            if (open == expected) {
                return;
            }
            Thread.sleep(20);
        }
        while (System.nanoTime() < end);
        assertThat(open).as("open WebSocket sessions").isEqualTo(expected);
    }
}
