package org.leaderboard.live;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real live-stream client for tests: a WebSocket (Reactor Netty's client) or an SSE connection
 * (WebClient) recording every message with the time it arrived, raw and parsed.
 */
final class StreamClient implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE =
            new ParameterizedTypeReference<>() {
            };

    /** One message as received: its text, its JSON, and System.nanoTime() at arrival. */
    record Received(String text, Map<String, Object> json, long atNanos) {

        String type() {
            return (String) json.get("type");
        }

        long seq() {
            return ((Number) json.get("seq")).longValue();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> totals() {
            return (Map<String, Object>) json.get("totals");
        }

        long total(String field) {
            return ((Number) totals().get(field)).longValue();
        }

        @SuppressWarnings("unchecked")
        Map<String, List<Map<String, Object>>> leaderboards() {
            return (Map<String, List<Map<String, Object>>>) json.get("leaderboards");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> standing() {
            return (Map<String, Object>) json.get("standing");
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> feed() {
            return (List<Map<String, Object>>) json.get("feed");
        }
    }

    private final BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final Sinks.One<CloseStatus> closed = Sinks.one();
    private final Sinks.Empty<Void> opened = Sinks.empty();
    private final AtomicInteger comments = new AtomicInteger();
    private final AtomicLong wireBytes = new AtomicLong();
    private final AtomicLong textBytes = new AtomicLong();
    private volatile WebSocketSession session;
    private volatile Disposable connection;

    private StreamClient() {
    }

    /** What a WebSocket client offers: no compression, or permessage-deflate as browsers do, or without server context. */
    enum Compression {
        NONE, PERMESSAGE_DEFLATE, PERMESSAGE_DEFLATE_NO_SERVER_CONTEXT
    }

    /** Opens a WebSocket to {@code /ws/campaigns/{campaignId}}, sending {@code origin} unless null. */
    static StreamClient webSocket(int port, String campaignId, String origin) {
        return webSocket(port, campaignId, origin, Compression.NONE);
    }

    /** Opens a fundraiser page's WebSocket, {@code /ws/campaigns/{campaignId}?fundraiser={fundraiserId}}. */
    static StreamClient fundraiserWebSocket(int port, String campaignId, String fundraiserId) {
        return webSocket(port, campaignId + "?fundraiser=" + fundraiserId, null, Compression.NONE);
    }

    /**
     * Opens a WebSocket offering {@code compression}; Netty's client decoder inflates the messages
     * (with its context kept from message to message unless the server agreed not to use one).
     */
    static StreamClient webSocket(int port, String campaignId, String origin, Compression compression) {
        StreamClient client = new StreamClient();
        HttpHeaders headers = new HttpHeaders();
        if (origin != null) {
            headers.setOrigin(origin);
        }
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws/campaigns/" + campaignId);
        HttpClient http = HttpClient.create().doOnChannelInit((observer, channel, address) -> channel.pipeline()
                .addFirst("test.wireBytes", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof ByteBuf bytes) {
                            client.wireBytes.addAndGet(bytes.readableBytes());
                        }
                        ctx.fireChannelRead(msg);
                    }
                }));
        ReactorNettyWebSocketClient ws = new ReactorNettyWebSocketClient(http, () -> WebsocketClientSpec.builder()
                .compress(compression != Compression.NONE)
                .compressionRequestedServerNoContext(compression == Compression.PERMESSAGE_DEFLATE_NO_SERVER_CONTEXT));
        client.connection = ws.execute(uri, headers, session -> {
            client.session = session;
            client.opened.tryEmitEmpty();
            Mono<Void> receiving = session.receive()
                    .filter(message -> message.getType() == WebSocketMessage.Type.TEXT)
                    .doOnNext(message -> client.add(message.getPayloadAsText()))
                    .then();
            Mono<CloseStatus> status = session.closeStatus().doOnNext(client.closed::tryEmitValue);
            return Mono.when(receiving, status);
        }).doFinally(signal -> client.closed.tryEmitEmpty())
                .subscribe(null, client.opened::tryEmitError);
        return client;
    }

    /** Opens {@code GET /api/campaigns/{campaignId}/stream} and records each event's data. */
    static StreamClient sse(int port, String campaignId) {
        return sse(port, campaignId, null);
    }

    /** The same with {@code ?fundraiser={fundraiserId}} unless null. */
    static StreamClient sse(int port, String campaignId, String fundraiserId) {
        StreamClient client = new StreamClient();
        client.connection = WebClient.create("http://127.0.0.1:" + port).get()
                .uri(fundraiserId == null ? "/api/campaigns/{c}/stream" : "/api/campaigns/{c}/stream?fundraiser={f}",
                        campaignId, fundraiserId == null ? "" : fundraiserId)
                .accept(MediaType.TEXT_EVENT_STREAM)
                .retrieve()
                .bodyToFlux(SSE)
                .doOnSubscribe(subscription -> client.opened.tryEmitEmpty())
                .doFinally(signal -> client.closed.tryEmitEmpty())
                .subscribe(event -> {
                    if (event.data() != null) {
                        client.add(event.data());
                    }
                    else if (event.comment() != null) {
                        client.comments.incrementAndGet();
                    }
                }, client.opened::tryEmitError);
        return client;
    }

    @SuppressWarnings("unchecked")
    private void add(String text) {
        textBytes.addAndGet(text.getBytes(StandardCharsets.UTF_8).length);
        Received received = new Received(text, JSON.readValue(text, Map.class), System.nanoTime());
        all.add(received);
        queue.add(received);
    }

    /** Waits for the WebSocket handshake; throws what refused it. */
    StreamClient awaitOpen() {
        opened.asMono().block(Duration.ofSeconds(10));
        return this;
    }

    /** The next message not yet taken, waiting up to {@code timeout}; fails when none comes. */
    Received next(Duration timeout) {
        try {
            Received received = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (received == null) {
                throw new AssertionError("No message within " + timeout + "; received so far: " + all.size());
            }
            return received;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Takes messages until one matches, waiting up to {@code timeout} in all. */
    Received await(Duration timeout, Predicate<Received> match) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("No matching message within " + timeout + "; last received: "
                        + (all.isEmpty() ? "none" : all.get(all.size() - 1).text()));
            }
            Received received = next(Duration.ofNanos(left));
            if (match.test(received)) {
                return received;
            }
        }
    }

    /** Bytes read off the socket so far (handshake response and frames, as sent). */
    long wireBytes() {
        return wireBytes.get();
    }

    /** UTF-8 bytes of the messages received so far, as decoded. */
    long textBytes() {
        return textBytes.get();
    }

    /** The WebSocket handshake response's extensions header (after {@link #awaitOpen}), or null. */
    String extensions() {
        return session.getHandshakeInfo().getHeaders().getFirst("Sec-WebSocket-Extensions");
    }

    /** SSE comment lines (heartbeats) received so far. */
    int comments() {
        return comments.get();
    }

    /** Every message received so far, in order. */
    List<Received> all() {
        return List.copyOf(all);
    }

    void sendText(String text) {
        WebSocketSession s = session;
        s.send(Mono.just(s.textMessage(text))).block(Duration.ofSeconds(5));
    }

    /** The close status the server sent (empty when the connection ended without one), waiting up to {@code timeout}. */
    CloseStatus awaitClose(Duration timeout) {
        return closed.asMono().block(timeout);
    }

    @Override
    public void close() {
        Disposable c = connection;
        if (c != null) {
            c.dispose();
        }
    }
}
