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
 */
@Component
class LiveWebSocketHandler implements WebSocketHandler {

    static final String CAMPAIGN_ATTRIBUTE = LiveWebSocketHandler.class.getName() + ".campaign";
    static final String CHANNEL_ATTRIBUTE = LiveWebSocketHandler.class.getName() + ".channel";

    private static final CloseStatus NO_MESSAGES = CloseStatus.POLICY_VIOLATION
            .withReason("This stream takes no messages");

    private final LiveStreams streams;

    LiveWebSocketHandler(LiveStreams streams) {
        this.streams = streams;
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
}
