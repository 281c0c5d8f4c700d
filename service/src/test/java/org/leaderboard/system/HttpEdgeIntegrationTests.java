package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.Eventually;
import org.leaderboard.support.RawHttp;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The HTTP edge's contract for malformed and hostile requests, sent byte for byte over raw
 * sockets (an ordinary client would normalise them): every one answers a 4xx problem+json, none a
 * 500 or nothing, and none changes a campaign.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class HttpEdgeIntegrationTests {

    static final String DB = "lbt_http_edge";

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        RedisDatabases.flush(8);
        TestServices.isolate(registry, DB, 8);
    }

    @LocalServerPort
    int port;

    @BeforeEach
    void campaign() {
        assertThat(send("PUT", "/api/campaigns/edge-run", ORGANIZER_TOKEN, "application/json",
                utf8("{\"title\":\"Edge\",\"currency\":\"EUR\",\"goalMinor\":100000}")).status()).isIn(200, 201);
        assertThat(send("PUT", "/api/campaigns/edge-run/fundraisers/alice", ORGANIZER_TOKEN, "application/json",
                utf8("{\"displayName\":\"Alice\"}")).status()).isIn(200, 201);
    }

    @Test
    void malformedContentTypesAreRefusedWith415() {
        String before = raised();
        String batch = "[" + donation("ct-1") + "]";
        for (String type : new String[] {"garbage", "application/json; charset=", "application/json; charset=nope",
                "text/plain", "application/json; charset=\"utf-8", "/json"}) {
            RawHttp.Response response = send("POST", "/api/events/batch", INGEST_TOKEN, type, utf8(batch));
            assertThat(response.status()).as(type).isEqualTo(415);
            assertThat(response.isProblem()).as(type).isTrue();
            response = send("POST", "/api/events", INGEST_TOKEN, type, utf8(donation("ct-1")));
            assertThat(response.status()).as("single event, " + type).isEqualTo(415);
            assertThat(response.isProblem()).isTrue();
        }
        assertThat(raised()).isEqualTo(before);
    }

    @Test
    void emptyParametersAreAllowedAndReadAsTheirMediaType() {
        // RFC 9110: parameters = *( OWS ";" OWS [ parameter ] ), so ";;" is empty parameters of NDJSON.
        RawHttp.Response response = send("POST", "/api/events/batch", INGEST_TOKEN, "application/x-ndjson;;",
                utf8(donation("nd-1") + "\n" + donation("nd-2") + "\n"));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"eventId\":\"nd-1\",\"status\":\"accepted\"")
                .contains("\"eventId\":\"nd-2\",\"status\":\"accepted\"");
        response = send("POST", "/api/events", INGEST_TOKEN, "application/json; charset=UTF-8",
                utf8(donation("utf-1")));
        assertThat(response.status()).isEqualTo(202);
    }

    @Test
    void invalidUtf8IsRefused() {
        String before = raised();
        // C0 AF is an overlong "/", ED A0 80 an encoded lone surrogate, F5 never starts a sequence.
        for (byte[] bad : new byte[][] {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}}) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String donation = donation("u8-1");
            int at = donation.indexOf("Chlo") + 4;
            body.writeBytes(utf8(donation.substring(0, at)));
            body.writeBytes(bad);
            body.writeBytes(utf8(donation.substring(at)));
            RawHttp.Response response = send("POST", "/api/events", INGEST_TOKEN, "application/json",
                    body.toByteArray());
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("/problems/malformed-body").contains("UTF-8");
        }
        assertThat(raised()).isEqualTo(before);
    }

    @Test
    void aCurrencyWithoutMinorUnitsIsNotACampaignCurrency() {
        for (String code : new String[] {"XXX", "XTS", "XAU"}) {
            RawHttp.Response response = send("PUT", "/api/campaigns/no-money", ORGANIZER_TOKEN, "application/json",
                    utf8("{\"title\":\"T\",\"currency\":\"" + code + "\",\"goalMinor\":100}"));
            assertThat(response.status()).as(code).isEqualTo(400);
            assertThat(response.body()).contains("\"field\":\"currency\"");
        }
        assertThat(send("GET", "/api/campaigns/no-money", null, null, null).status()).isEqualTo(404);
    }

    @Test
    void pathParametersDoNotAliasIds() {
        RawHttp.Response response = send("PUT", "/api/campaigns/edge-run;a=b", ORGANIZER_TOKEN, "application/json",
                utf8("{\"title\":\"Renamed\",\"currency\":\"EUR\",\"goalMinor\":100000}"));
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.isProblem()).isTrue();
        assertThat(send("GET", "/api/campaigns/edge-run", null, null, null).body()).contains("\"title\":\"Edge\"");
        assertThat(send("GET", "/api/campaigns/edge-run;v=1/totals", null, null, null).status()).isEqualTo(404);
        for (String odd : new String[] {"edge-run%00", "edge-run%0A", "edge%3Brun", "edge-run%", "edge-run%G1"}) {
            response = send("GET", "/api/campaigns/" + odd + "/totals", null, null, null);
            // A malformed percent-encoding may already fail building the request URI (400).
            assertThat(response.status()).as(odd).isIn(400, 404);
            assertThat(response.isProblem()).as(odd).isTrue();
        }
    }

    @Test
    void wrongMethodsOnApiRoutesAnswer405WithAllow() {
        RawHttp.Response response = send("DELETE", "/api/campaigns/edge-run", ORGANIZER_TOKEN, null, null);
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.isProblem()).isTrue();
        assertThat(response.header("Allow")).isEqualTo("GET, HEAD, PUT");
        response = send("GET", "/api/events/batch", null, null, null);
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("Allow")).isEqualTo("POST");
        response = send("POST", "/ws/campaigns/edge-run", null, "application/json", utf8("{}"));
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("Allow")).isEqualTo("GET");
        assertThat(send("GET", "/api/nothing-here", null, null, null).status()).isEqualTo(404);
    }

    @Test
    void errorsNettyAnswersItselfAreProblems() {
        RawHttp.Response tooLongLine = RawHttp.exchange(port, "GET /api/campaigns/" + "a".repeat(10_000)
                + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(tooLongLine.status()).isEqualTo(414);
        assertThat(tooLongLine.isProblem()).isTrue();
        RawHttp.Response tooLargeHeaders = RawHttp.exchange(port, "GET /api/campaigns/edge-run HTTP/1.1\r\nHost: x\r\n"
                + "X-Big: " + "b".repeat(20_000) + "\r\n\r\n");
        assertThat(tooLargeHeaders.status()).isEqualTo(431);
        assertThat(tooLargeHeaders.isProblem()).isTrue();
        RawHttp.Response garbage = RawHttp.exchange(port, "GET /api/campaigns/edge-run HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: nope\r\n\r\n");
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.isProblem()).isTrue();
    }

    @Test
    void hostileWebSocketHandshakesAreRefusedWithProblems() {
        String upgrade = "GET /ws/campaigns/edge-run HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        for (String origin : new String[] {"%%%", "http://a b", "http://127.0.0.1:-1", "null", "http://evil.example",
                "http://127.0.0.1:" + port + "/../x", "http://user@127.0.0.1:" + port}) {
            RawHttp.Response response = RawHttp.exchange(port, upgrade + "Sec-WebSocket-Version: 13\r\nOrigin: "
                    + origin + "\r\n\r\n");
            assertThat(response.status()).as(origin).isEqualTo(403);
            assertThat(response.isProblem()).as(origin).isTrue();
        }
        String noHost = upgrade.replace("Host: 127.0.0.1:" + port + "\r\n", "Host: \r\n");
        for (String host : new String[] {noHost, upgrade.replace("127.0.0.1:" + port, "%%%"),
                upgrade.replace("127.0.0.1:" + port, "a b"), upgrade.replace("127.0.0.1:" + port, "127.0.0.1:-1")}) {
            RawHttp.Response response = RawHttp.exchange(port, host + "Sec-WebSocket-Version: 13\r\n"
                    + "Origin: http://127.0.0.1:" + port + "\r\n\r\n");
            assertThat(response.status()).as(host).isBetween(400, 499);
            assertThat(response.isProblem()).as(host).isTrue();
        }
        RawHttp.Response noVersion = RawHttp.exchange(port, upgrade + "\r\n");
        assertThat(noVersion.status()).isEqualTo(426);
        assertThat(noVersion.isProblem()).isTrue();
        assertThat(noVersion.header("Sec-WebSocket-Version")).isEqualTo("13");
        RawHttp.Response oldVersion = RawHttp.exchange(port, upgrade + "Sec-WebSocket-Version: 8\r\n\r\n");
        assertThat(oldVersion.status()).isEqualTo(426);
        RawHttp.Response noKey = RawHttp.exchange(port, upgrade.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                "") + "Sec-WebSocket-Version: 13\r\n\r\n");
        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.isProblem()).isTrue();
        RawHttp.Response ok = RawHttp.exchange(port, upgrade + "Sec-WebSocket-Version: 13\r\n\r\n");
        assertThat(ok.status()).isEqualTo(101);
    }

    private RawHttp.Response send(String method, String path, String token, String contentType, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\nConnection: close\r\n");
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            request.writeBytes(body);
        }
        return RawHttp.exchange(port, request.toByteArray());
    }

    /**
     * The campaign's total once it shows every gift the ledger holds: gifts other tests of this
     * class were accepted for may still be on their way to Redis, and must not pass for a change.
     */
    private String raised() {
        String ledger = Long.toString(ledgerRaised());
        return Eventually.await(Duration.ofSeconds(10), () -> send("GET", "/api/campaigns/edge-run/totals", null,
                null, null).body().replaceAll(".*\"raisedMinor\":(\\d+).*", "$1"), ledger::equals);
    }

    private static long ledgerRaised() {
        try (Connection connection = TestServices.jdbc(DB); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select coalesce(sum(case type when 'donation' then amount_minor"
                        + " when 'refund' then -amount_minor end), 0) from ledger_events where campaign_id = 'edge-run'")) {
            rows.next();
            return rows.getLong(1);
        }
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String donation(String eventId) {
        return "{\"type\":\"donation\",\"eventId\":\"" + eventId + "\",\"campaignId\":\"edge-run\",\"fundraiserId\":"
                + "\"alice\",\"amountMinor\":2500,\"currency\":\"EUR\",\"donorName\":\"Chloé\"}";
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
