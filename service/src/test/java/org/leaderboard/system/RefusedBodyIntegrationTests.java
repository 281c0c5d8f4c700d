package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.RawHttp;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A client still sending a body the service refused without reading it (401, 413, 415) reads the
 * answer: the service reads and drops the rest of the body before it closes the connection, up to
 * {@code leaderboard.edge.refused-body-drain}, instead of closing under the client, whose next
 * bytes the kernel would answer with a reset. Each client here sends its head and the start of the
 * body, waits long enough for the service to have answered and closed, then sends the rest: the
 * writes must all succeed and the answer must be there.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RefusedBodyIntegrationTests {

    private static final int REDIS_DB = 12;
    private static final int DRAIN_LIMIT = 512 * 1024;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        RedisDatabases.flush(REDIS_DB);
        TestServices.isolate(registry, "lbt_refused_body", REDIS_DB);
        registry.add("leaderboard.edge.refused-body-drain", () -> DRAIN_LIMIT + "B");
    }

    @LocalServerPort
    int port;

    @Test
    void aBodyTooLargeByItsDeclaredLengthIsReadToItsEndAndTheClientReads413() {
        RawHttp.Response answer = sendSlowly("PUT /api/campaigns/rb-run", ORGANIZER_TOKEN, "application/json",
                jsonOf(200 * 1024), false);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.isProblem()).isTrue();
        assertThat(answer.body()).contains("/problems/payload-too-large");
    }

    @Test
    void aChunkedBodyPastTheLimitIsReadToItsEndAndTheClientReads413() {
        RawHttp.Response answer = sendSlowly("POST /api/events", INGEST_TOKEN, "application/json",
                jsonOf(200 * 1024), true);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.body()).contains("/problems/payload-too-large");
    }

    @Test
    void aBatchWithAWrongTokenIsAnswered401NotReset() {
        RawHttp.Response answer = sendSlowly("POST /api/events/batch", "expired-token", "application/json",
                jsonOf(300 * 1024), false);
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.isProblem()).isTrue();
    }

    @Test
    void aBodyOfTheWrongTypeIsAnswered415NotReset() {
        RawHttp.Response answer = sendSlowly("POST /api/events/batch", INGEST_TOKEN, "text/csv",
                jsonOf(300 * 1024), false);
        assertThat(answer.status()).isEqualTo(415);
    }

    @Test
    void aBodyDeclaredLongerThanTheDrainLimitIsAnsweredWithoutBeingRead() {
        try (RawHttp http = RawHttp.connect(port, 5_000)) {
            http.send(head("POST /api/events/batch", "expired-token", "application/json",
                    "Content-Length: " + (DRAIN_LIMIT + 1)));
            // Not a byte of the body sent: the answer comes anyway, and the connection is closed.
            RawHttp.Response answer = http.response();
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.header("connection")).isEqualTo("close");
        }
    }

    /**
     * Sends the request head and the first 16 KB of {@code body}, waits 500 ms (the service has
     * answered by then), sends the rest in 8 KB writes, then reads the answer. A write or read
     * the service cut off fails with the reset ({@link java.io.UncheckedIOException}).
     */
    private RawHttp.Response sendSlowly(String requestLine, String token, String type, byte[] body, boolean chunked) {
        try (RawHttp http = RawHttp.connect(port, 10_000)) {
            http.send(head(requestLine, token, type,
                    chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + body.length));
            int first = 16 * 1024;
            http.send(framed(Arrays.copyOfRange(body, 0, first), chunked));
            Thread.sleep(500);
            for (int from = first; from < body.length; from += 8 * 1024) {
                http.send(framed(Arrays.copyOfRange(body, from, Math.min(body.length, from + 8 * 1024)), chunked));
            }
            if (chunked) {
                http.send("0\r\n\r\n");
            }
            RawHttp.Response answer = http.response();
            assertThat(answer).as("an answer, not a closed connection").isNotNull();
            assertThat(answer.header("connection")).isEqualTo("close");
            return answer;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** {@code bytes} as they go on the wire: as they are, or as one chunk. */
    private static byte[] framed(byte[] bytes, boolean chunked) {
        if (!chunked) {
            return bytes;
        }
        byte[] size = (Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] framed = Arrays.copyOf(size, size.length + bytes.length + 2);
        System.arraycopy(bytes, 0, framed, size.length, bytes.length);
        framed[framed.length - 2] = '\r';
        framed[framed.length - 1] = '\n';
        return framed;
    }

    private static String head(String requestLine, String token, String type, String framing) {
        return requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\nContent-Type: "
                + type + "\r\n" + framing + "\r\n\r\n";
    }

    /** A JSON object of {@code size} bytes. */
    private static byte[] jsonOf(int size) {
        String prefix = "{\"title\":\"";
        return (prefix + "x".repeat(size - prefix.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
    }
}
