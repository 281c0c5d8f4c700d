package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.support.TestServices.INGEST_TOKEN;
import static org.leaderboard.support.TestServices.ORGANIZER_TOKEN;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.live.StreamClient.Compression;
import org.leaderboard.live.StreamClient.Received;
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
 * permessage-deflate on the live WebSocket, against the real service, PostgreSQL and Redis, with
 * Netty's own client decoder: a client that offers it (as browsers do, keeping its context from
 * message to message) and one that asks the server not to keep one both receive, inflated, exactly
 * the messages an uncompressed client receives, at well under half the bytes on the wire.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "leaderboard.stream.refresh-interval=1h" })
class LiveStreamCompressionIntegrationTests {

    static final String DB = "lbt_live_deflate";
    static final int REDIS_DB = 9;
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

    WebTestClient http;

    @BeforeEach
    void http() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(15)).build();
    }

    @Test
    void compressingClientsInflateTheSameMessagesFromFarFewerBytes() {
        String c = "lz-gala";
        organizer("/api/campaigns/" + c, "{\"title\":\"Gala\",\"currency\":\"EUR\",\"goalMinor\":1000000}");
        for (int f = 0; f < 12; f++) {
            organizer("/api/campaigns/" + c + "/fundraisers/f" + f, "{\"displayName\":\"Fundraiser " + f + "\"}");
        }
        try (StreamClient plain = StreamClient.webSocket(port, c, null, Compression.NONE).awaitOpen();
                StreamClient browserLike = StreamClient.webSocket(port, c, null, Compression.PERMESSAGE_DEFLATE)
                        .awaitOpen();
                StreamClient noContext = StreamClient.webSocket(port, c, null,
                        Compression.PERMESSAGE_DEFLATE_NO_SERVER_CONTEXT).awaitOpen()) {
            assertThat(plain.extensions()).isNull();
            assertThat(browserLike.extensions()).startsWith("permessage-deflate")
                    .doesNotContain("server_no_context_takeover");
            assertThat(noContext.extensions()).startsWith("permessage-deflate")
                    .contains("server_no_context_takeover");
            List<StreamClient> clients = List.of(plain, browserLike, noContext);
            clients.forEach(client -> assertThat(client.next(PATIENCE).type()).isEqualTo("snapshot"));

            // Sequential batches, so each client gets a run of updates in a row.
            long total = 0;
            for (int b = 0; b < 12; b++) {
                List<String> events = new ArrayList<>();
                for (int i = b * 40; i < (b + 1) * 40; i++) {
                    total += 500 + i;
                    events.add(LiveStreamIntegrationTests.donationJson(c, "lz-" + i, "f" + (i % 12), 500 + i,
                            "Donor " + i, i % 5 == 0, "Merci " + i));
                }
                http.post().uri("/api/events/batch").headers(h -> h.setBearerAuth(INGEST_TOKEN))
                        .contentType(MediaType.APPLICATION_JSON).bodyValue("[" + String.join(",", events) + "]")
                        .exchange().expectStatus().is2xxSuccessful();
                long sent = total;
                clients.forEach(client -> client.await(PATIENCE, m -> m.total("raisedMinor") == sent));
            }

            Map<Long, String> plainBySeq = new HashMap<>();
            plain.all().forEach(m -> plainBySeq.put(m.seq(), m.text()));
            for (StreamClient client : List.of(browserLike, noContext)) {
                List<Received> messages = client.all();
                assertThat(messages).hasSizeGreaterThan(12);
                for (Received m : messages.subList(1, messages.size())) {
                    assertThat(m.type()).isEqualTo("update");
                    assertThat(plainBySeq.get(m.seq())).as("update " + m.seq() + " as the plain client got it")
                            .isEqualTo(m.text());
                }
                assertThat(client.wireBytes()).as("bytes on the wire against the messages' own bytes")
                        .isLessThan(client.textBytes() / 2);
            }
            assertThat(plain.wireBytes()).isGreaterThan(plain.textBytes());
            assertThat(registry.get("leaderboard.push.deflated").counter().count())
                    .as("every compressed message came from the frame's shared compression, none from the"
                            + " per-connection encoder")
                    .isEqualTo(browserLike.all().size() + noContext.all().size());

            // A late compressing client gets the current state as a (compressed) snapshot.
            try (StreamClient late = StreamClient.webSocket(port, c, null, Compression.PERMESSAGE_DEFLATE)
                    .awaitOpen()) {
                Received snapshot = late.next(PATIENCE);
                assertThat(snapshot.type()).isEqualTo("snapshot");
                assertThat(snapshot.total("raisedMinor")).isEqualTo(total);
                assertThat(snapshot.total("donationCount")).isEqualTo(480);
                assertThat(snapshot.feed()).hasSize(20);
                assertThat(late.wireBytes()).isLessThan(late.textBytes() / 2);
            }
        }
    }

    private void organizer(String path, String body) {
        http.put().uri(path).headers(h -> h.setBearerAuth(ORGANIZER_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().is2xxSuccessful();
    }
}
