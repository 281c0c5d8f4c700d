package org.leaderboard.live;

import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code /ws/campaigns/{c}}: the campaign's live stream over WebSocket, after {@link WebSocketGate}
 * let the upgrade through. Frames go out as text messages; the stream takes no messages, so a
 * client that sends one is closed (1008); control frames (pings, pongs) are answered by Netty.
 *
 * <p>On Reactor Netty a frame leaves as bytes built once for all clients, the whole WebSocket frame
 * ({@link Frame#webSocketWire}, one copy in native memory), which the client's outbox writes
 * straight to its connection: no reactive stream, message object or encoder per client and frame.
 * The session's own send stream then carries only pings and the end. To a client that negotiated permessage-deflate (browsers
 * offer it) the frame's payload is compressed, once per frame for all such clients
 * ({@link Frame#deflated}), with RSV1 set; Netty's per-connection encoder never sees these bytes.
 */
@Component
class LiveWebSocketHandler implements WebSocketHandler {

    static final String CAMPAIGN_ATTRIBUTE = LiveWebSocketHandler.class.getName() + ".campaign";
    static final String FUNDRAISER_ATTRIBUTE = LiveWebSocketHandler.class.getName() + ".fundraiser";
    static final String CHANNEL_ATTRIBUTE = LiveWebSocketHandler.class.getName() + ".channel";

    private static final CloseStatus NO_MESSAGES = CloseStatus.POLICY_VIOLATION
            .withReason("This stream takes no messages");

    private final LiveStreams streams;
    private final LiveMetrics metrics;

    LiveWebSocketHandler(LiveStreams streams, LiveMetrics metrics) {
        this.streams = streams;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        return Mono.error(new IllegalStateException("Live streams are opened through the gate's exchange"));
    }

    /** The session of an upgrade that {@link WebSocketGate} let through, with what it found on {@code exchange}. */
    Mono<Void> handle(WebSocketSession session, ServerWebExchange exchange) {
        return Mono.defer(() -> {
            String campaignId = exchange.getAttribute(CAMPAIGN_ATTRIBUTE);
            ClientChannel channel = exchange.getAttribute(CHANNEL_ATTRIBUTE);
            if (campaignId == null || channel == null) {
                return session.close(CloseStatus.SERVER_ERROR);
            }
            String fundraiserId = exchange.getAttribute(FUNDRAISER_ATTRIBUTE);
            Outbox outbox = streams.join(campaignId, fundraiserId, "websocket", channel);
            if (channel.writesDirectly()) {
                outbox.writeFramesWith(new DirectWriter(channel, metrics)::write);
            }
            // Off Netty the frames come through here too, as plain text messages.
            Flux<WebSocketMessage> out = outbox.deliveries().map(delivery -> delivery instanceof Outbox.Message m
                    ? new WebSocketMessage(WebSocketMessage.Type.TEXT,
                            session.bufferFactory().wrap(m.frame().json(m.lastSeq())))
                    : session.pingMessage(factory -> factory.allocateBuffer(0)));
            // Reading on (not cancelling the inbound, which would drop the connection without a
            // status) until the close handshake ends it.
            AtomicBoolean closing = new AtomicBoolean();
            Mono<Void> in = session.receive()
                    .filter(message -> message.getType() == WebSocketMessage.Type.TEXT
                            || message.getType() == WebSocketMessage.Type.BINARY)
                    .concatMap(message -> closing.compareAndSet(false, true) ? session.close(NO_MESSAGES)
                            : Mono.empty())
                    .then();
            return Mono.firstWithSignal(session.send(out), in).doFinally(signal -> outbox.leave());
        });
    }

    /** Writes one connection's frames; used by its outbox's drain only, one frame at a time. */
    private static final class DirectWriter {

        private final ClientChannel channel;
        private final LiveMetrics metrics;
        private boolean deflate;

        DirectWriter(ClientChannel channel, LiveMetrics metrics) {
            this.channel = channel;
            this.metrics = metrics;
        }

        /** The frame's shared bytes for this connection, written as they are. */
        void write(Frame frame, long lastSeq) {
            // Looked up until found: the extension's encoder joins the pipeline once the
            // handshake response is written.
            if (!deflate && channel.permessageDeflate()) {
                deflate = true;
            }
            channel.write(frame.webSocketWire(lastSeq, deflate));
            if (deflate) {
                metrics.deflated();
            }
        }
    }
}
