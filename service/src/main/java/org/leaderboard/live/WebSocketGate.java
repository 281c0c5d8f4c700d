package org.leaderboard.live;

import java.util.List;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.Ids;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Checks a WebSocket upgrade to {@code /ws/campaigns/{c}} before it happens, so a refusal is an
 * ordinary problem+json response: a browser page from an origin outside the allow-list gets 403
 * (a WebSocket is not protected by CORS, any site could otherwise open one with the visitor's
 * cookies), an unknown campaign or {@code ?fundraiser=} 404, and an instance holding its maximum
 * of sessions 503.
 */
@Component
class WebSocketGate implements WebFilter {

    static final String PREFIX = "/ws/campaigns/";

    private final CampaignDirectory directory;
    private final LiveStreams streams;
    private final List<String> allowedOrigins;

    WebSocketGate(CampaignDirectory directory, LiveStreams streams, LiveStreamProperties properties) {
        this.directory = directory;
        this.streams = streams;
        this.allowedOrigins = properties.allowedOrigins();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String path = request.getPath().pathWithinApplication().value();
        if (!path.startsWith(PREFIX)) {
            return chain.filter(exchange);
        }
        String campaignId = path.substring(PREFIX.length());
        // A refused upgrade request leaves the connection in no state to be reused.
        exchange.getResponse().beforeCommit(() -> {
            if (exchange.getResponse().getStatusCode() != null
                    && exchange.getResponse().getStatusCode().isError()) {
                exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            }
            return Mono.empty();
        });
        String origin = request.getHeaders().getOrigin();
        if (origin != null && !allowed(request, origin)) {
            return Mono.error(ApiProblem.of(HttpStatus.FORBIDDEN, "origin-not-allowed", "Origin not allowed",
                    "WebSocket connections from origin '" + origin + "' are not allowed"));
        }
        if (!Ids.isResourceId(campaignId)) {
            return Mono.error(notFound(campaignId));
        }
        if (streams.full()) {
            return Mono.error(ApiProblem.unavailable("This instance holds its maximum of live streams", 5));
        }
        String fundraiserId = request.getQueryParams().getFirst(FundraiserParameter.NAME);
        return directory.campaign(campaignId)
                .switchIfEmpty(Mono.error(() -> notFound(campaignId)))
                .flatMap(campaign -> FundraiserParameter.check(directory, campaign.id(), fundraiserId)
                        .thenReturn(campaign))
                .flatMap(campaign -> {
                    exchange.getAttributes().put(LiveWebSocketHandler.CAMPAIGN_ATTRIBUTE, campaign.id());
                    if (fundraiserId != null) {
                        exchange.getAttributes().put(LiveWebSocketHandler.FUNDRAISER_ATTRIBUTE, fundraiserId);
                    }
                    exchange.getAttributes().put(LiveWebSocketHandler.CHANNEL_ATTRIBUTE, ClientChannel.of(request));
                    return chain.filter(exchange);
                });
    }

    /** The service's own origin (as the request reached it, proxy headers included when trusted) or a listed one. */
    private boolean allowed(ServerHttpRequest request, String origin) {
        return !CorsUtils.isCorsRequest(request) || allowedOrigins.contains("*")
                || allowedOrigins.contains(LiveStreamProperties.normalize(origin));
    }

    private static ApiProblem notFound(String campaignId) {
        return ApiProblem.notFound("Campaign '" + campaignId + "' does not exist");
    }
}
