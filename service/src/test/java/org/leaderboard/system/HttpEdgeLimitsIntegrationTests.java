package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RawHttp;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Slow and greedy clients against the running service with short configured limits: a request
 * head trickled in, a body that stalls or never ends, and more connections from one address than
 * its cap. Each is cut off (408 problem+json where an answer can still be given), never left open.
 * The head deadline's timing itself is tested on virtual time in {@link RequestHeadDeadlineTests}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class HttpEdgeLimitsIntegrationTests {

    static final String DB = "lbt_http_edge_limits";

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        RedisDatabases.flush(8);
        TestServices.isolate(registry, DB, 8);
        registry.add("leaderboard.edge.header-timeout", () -> "1s");
        registry.add("leaderboard.edge.body-read-timeout", () -> "1s");
        registry.add("leaderboard.edge.body-timeout", () -> "2s");
        registry.add("leaderboard.edge.idle-timeout", () -> "30s");
        registry.add("leaderboard.edge.max-connections-per-address", () -> "5");
    }

    @LocalServerPort
    int port;

    @Autowired
    ConnectionCap cap;

    @Test
    void aTrickledRequestHeadIsCutOffWith408() {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (RawHttp http = RawHttp.connect(port, 10_000)) {
            http.send("GET /api/campaigns/x HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            // A byte every 200 ms: never idle, never done.
            trickle.scheduleAtFixedRate(() -> {
                try {
                    http.send("a");
                }
                catch (RuntimeException closed) {
                    // the server hung up, as it should
                }
            }, 0, 200, TimeUnit.MILLISECONDS);
            RawHttp.Response response = http.response();
            assertThat(response).isNotNull();
            assertThat(response.status()).isEqualTo(408);
            assertThat(response.isProblem()).isTrue();
            assertThat(http.closedByServer()).isTrue();
        }
        finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void aChunkedBodyThatStallsIsCutOff() {
        try (RawHttp http = RawHttp.connect(port, 10_000)) {
            http.send("POST /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST_TOKEN + "\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"typ\r\n");
            RawHttp.Response response = http.response();
            if (response != null) {
                assertThat(response.status()).isEqualTo(408);
                assertThat(response.isProblem()).isTrue();
            }
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void aChunkedBodyThatNeverEndsIsCutOff() {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (RawHttp http = RawHttp.connect(port, 10_000)) {
            http.send("POST /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST_TOKEN + "\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            // A chunk every 300 ms: each read comes in time, the body never ends.
            trickle.scheduleAtFixedRate(() -> {
                try {
                    http.send("1\r\n \r\n");
                }
                catch (RuntimeException closed) {
                    // the server hung up, as it should
                }
            }, 0, 300, TimeUnit.MILLISECONDS);
            RawHttp.Response response = http.response();
            if (response != null) {
                assertThat(response.status()).isEqualTo(408);
            }
            assertThat(http.closedByServer()).isTrue();
        }
        finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void connectionsPerClientAddressAreCapped() throws Exception {
        List<RawHttp> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                open.add(RawHttp.connect("127.0.0.2", port, 10_000));
            }
            InetAddress client = InetAddress.getByName("127.0.0.2");
            assertThat(Eventually.await(Duration.ofSeconds(10), () -> cap.openConnections(client), n -> n == 5))
                    .isEqualTo(5);
            RawHttp.Response refused;
            try (RawHttp sixth = RawHttp.connect("127.0.0.2", port, 10_000)) {
                refused = sixth.response();
            }
            assertThat(refused).isNotNull();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.isProblem()).isTrue();
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            // Another address is not affected.
            RawHttp.Response other = RawHttp.exchange(port, "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(other.status()).isEqualTo(200);
            open.remove(0).close();
            RawHttp.Response again = Eventually.await(Duration.ofSeconds(10), () -> {
                try (RawHttp next = RawHttp.connect("127.0.0.2", port, 5_000)) {
                    next.send("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    return next.response();
                }
            }, r -> r != null && r.status() == 200);
            assertThat(again.status()).isEqualTo(200);
        }
        finally {
            open.forEach(RawHttp::close);
        }
    }

    @Test
    void aSpectatorThatSendsNothingOutlivesEveryRequestTimeout() throws Exception {
        RawHttp.Response created = RawHttp.exchange(port, "PUT /api/campaigns/quiet HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + TestServices.ORGANIZER_TOKEN + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: 47\r\nConnection: close\r\n\r\n{\"title\":\"Q\",\"currency\":\"EUR\",\"goalMinor\":1000}");
        assertThat(created.status()).isEqualTo(201);
        try (Socket ws = new Socket(InetAddress.getLoopbackAddress(), port)) {
            ws.getOutputStream().write(("GET /ws/campaigns/quiet HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = ws.getInputStream();
            ws.setSoTimeout(10_000);
            assertThat(RawHttp.readHead(in)).startsWith("HTTP/1.1 101");
            assertThat(readFrame(in)).contains("\"snapshot\"");
            // Longer than the body-read (1 s) and body (2 s) timeouts, sending nothing: still open.
            ws.setSoTimeout(3_000);
            assertThatThrownBy(() -> in.read()).as("nothing comes, and the server does not hang up")
                    .isInstanceOf(SocketTimeoutException.class);
            RawHttp.Response accepted = RawHttp.exchange(port, "POST /api/events HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + TestServices.INGEST_TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 91\r\nConnection: close\r\n\r\n{\"type\":\"donation\",\"eventId\":\"q-1\","
                    + "\"campaignId\":\"quiet\",\"amountMinor\":500,\"currency\":\"EUR\"}");
            assertThat(accepted.status()).isEqualTo(202);
            ws.setSoTimeout(10_000);
            assertThat(readFrame(in)).contains("\"update\"").contains("\"raisedMinor\":500");
        }
    }

    /** One unmasked WebSocket frame from the server, as text. */
    private static String readFrame(InputStream in) throws Exception {
        byte[] header = in.readNBytes(2);
        if (header.length < 2) {
            throw new AssertionError("closed by the server");
        }
        long length = header[1] & 0x7f;
        if (length == 126) {
            length = new DataInputStream(in).readUnsignedShort();
        }
        else if (length == 127) {
            length = new DataInputStream(in).readLong();
        }
        return new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
    }
}
