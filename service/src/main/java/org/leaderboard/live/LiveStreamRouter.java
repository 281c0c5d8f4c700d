package org.leaderboard.live;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;

import reactor.netty.http.server.WebsocketServerSpec;

/** Routes of the live streams: the SSE endpoint and the WebSocket endpoint with its handshake settings. */
@Configuration(proxyBeanMethods = false)
class LiveStreamRouter {

    @Bean
    RouterFunction<ServerResponse> streamRoute(LiveSseHandler handler) {
        return RouterFunctions.route(GET("/api/campaigns/{campaignId}/stream"), handler::stream);
    }

    @Bean
    HandlerMapping liveWebSocketMapping(LiveWebSocketHandler handler) {
        return new SimpleUrlHandlerMapping(Map.of(WebSocketGate.PREFIX + "{campaignId}", handler), -2);
    }

    /**
     * The handshake: a small maximum inbound frame (clients send nothing), compression, and the gate's findings
     * about the exchange (the campaign, the client's connection) handed to the session's handler.
     */
    @Bean
    WebFluxConfigurer liveWebSocketService(LiveStreamProperties properties) {
        int maxFrame = (int) Math.min(Integer.MAX_VALUE, properties.maxInboundFrame().toBytes());
        HandshakeWebSocketService handshake = new HandshakeWebSocketService(new ReactorNettyRequestUpgradeStrategy(
                () -> WebsocketServerSpec.builder().maxFramePayloadLength(maxFrame)
                        // permessage-deflate when the client offers it; server_no_context_takeover
                        // too when asked, which the shared, separately compressed frames honour.
                        .compress(properties.compress()).compressionAllowServerNoContext(true)));
        WebSocketService service = (exchange, handler) -> handshake.handleRequest(exchange,
                handler instanceof LiveWebSocketHandler live ? session -> live.handle(session, exchange) : handler);
        return new WebFluxConfigurer() {
            @Override
            public WebSocketService getWebSocketService() {
                return service;
            }
        };
    }
}
