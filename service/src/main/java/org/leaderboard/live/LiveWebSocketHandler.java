package org.leaderboard.live;

import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;

import org.springframework.core.io.buffer.DefaultDataBufferFactory;
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
 * ({@link Frame#webSocketFrame}), which the client's outbox writes straight to its connection: no
 * reactive stream, message object or encoder per client and frame. The session's own send stream
 * then carries only pings and the end. To a client that negotiated permessage-deflate (browsers
 * offer it) the frame's payload is compressed, once per frame for all such clients
 * ({@link Frame#deflated}), with RSV1 set. The choice is made once per connection, at the first
 * message that finds the extension in place, and holds from then on: on the fallback path through
 * the send stream, a message Netty's per-connection encoder compressed with its own history must
 * never follow one it did not see (it lets RSV1 frames through untouched).
 */
@Component
class LiveWebSocketHandler implements WebSocketHandler {

    static final String CAMPAIGN_ATTRIBUTE = LiveWebSocketHandler.class.getName() + ".campaign";
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
            Outbox outbox = streams.join(campaignId, "websocket", channel);
            Encoding encoding = new Encoding(channel, metrics);
            if (channel.writesDirectly()) {
                outbox.writeFramesWith(encoding::write);
            }
            Flux<WebSocketMessage> out = outbox.deliveries().map(delivery -> delivery instanceof Outbox.Message m
                    ? encoding.message(session, m)
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

    /** How one connection's messages are encoded; used by its outbox's drain only, one message at a time. */
    private static final class Encoding {

        private final ClientChannel channel;
        private final LiveMetrics metrics;
        private boolean deflate;

        Encoding(ClientChannel channel, LiveMetrics metrics) {
            this.channel = channel;
            this.metrics = metrics;
        }

        /** On Netty: the frame's shared bytes for this connection, written as they are. */
        void write(Frame frame, long lastSeq) {
            boolean compressed = deflate();
            channel.write(frame.webSocketFrame(lastSeq, compressed));
            if (compressed) {
                metrics.deflated();
            }
        }

        private boolean deflate() {
            if (!deflate && channel.permessageDeflate()) {
                deflate = true;
            }
            return deflate;
        }

        /** Elsewhere: a message for the session's own send stream. */
        WebSocketMessage message(WebSocketSession session, Outbox.Message m) {
            if (!deflate()) {
                return new WebSocketMessage(WebSocketMessage.Type.TEXT,
                        session.bufferFactory().wrap(m.frame().json(m.lastSeq())));
            }
            byte[] payload = m.frame().deflated(m.lastSeq());
            metrics.deflated();
            // The native frame is what is written; the payload buffer is the same bytes for
            // whoever looks at the message (a heap wrapper: nothing to release).
            return new WebSocketMessage(WebSocketMessage.Type.TEXT, DefaultDataBufferFactory.sharedInstance.wrap(payload),
                    new TextWebSocketFrame(true, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(payload)));
        }
    }
}
