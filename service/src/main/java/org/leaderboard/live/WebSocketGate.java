package org.leaderboard.live;

import java.util.List;
import java.util.regex.Pattern;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.Ids;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
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
 * cookies, and an Origin or Host that cannot be parsed is refused the same way), a method other than GET 405,
 * a WebSocket version other than 13 426 (Netty would leave the request unanswered), an unknown campaign
 * or {@code ?fundraiser=} 404, and an instance holding its maximum of sessions 503.
 */
@Component
class WebSocketGate implements WebFilter {

    static final String PREFIX = "/ws/campaigns/";
    private static final String VERSION = "Sec-WebSocket-Version";
    private static final Pattern ORIGIN = Pattern.compile("(?i)https?://([a-z0-9.-]+|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?");

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
        if (!HttpMethod.GET.equals(request.getMethod())) {
            return Mono.error(ApiProblem.of(HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed",
                    "A WebSocket is opened with GET").withHeader(HttpHeaders.ALLOW, "GET"));
        }
        String origin = request.getHeaders().getOrigin();
        if (origin != null && !allowed(request, origin)) {
            return Mono.error(ApiProblem.of(HttpStatus.FORBIDDEN, "origin-not-allowed", "Origin not allowed",
                    "WebSocket connections from origin '" + origin + "' are not allowed"));
        }
        if (isUpgrade(request) && !"13".equals(request.getHeaders().getFirst(VERSION))) {
            return Mono.error(ApiProblem.of(HttpStatus.UPGRADE_REQUIRED, "upgrade-required", "Upgrade required",
                    "Only WebSocket version 13 is supported (Sec-WebSocket-Version: 13)")
                    .withHeader(VERSION, "13").withHeader(HttpHeaders.UPGRADE, "websocket"));
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

    /**
     * The service's own origin (as the request reached it, proxy headers included when trusted) or a listed one.
     * An Origin that is not {@code scheme://host[:port]} (RFC 6454: no path, no user info) or a Host that cannot
     * be parsed cannot be the service's own origin.
     */
    private boolean allowed(ServerHttpRequest request, String origin) {
        if (allowedOrigins.contains("*") || allowedOrigins.contains(LiveStreamProperties.normalize(origin))) {
            return true;
        }
        if (!ORIGIN.matcher(origin).matches()) {
            return false;
        }
        try {
            return !CorsUtils.isCorsRequest(request);
        }
        catch (RuntimeException unparsable) {
            return false;
        }
    }

    /** Whether the request asks for a WebSocket; a plain GET is left to the handshake to refuse (400). */
    private static boolean isUpgrade(ServerHttpRequest request) {
        return "websocket".equalsIgnoreCase(request.getHeaders().getUpgrade());
    }

    private static ApiProblem notFound(String campaignId) {
        return ApiProblem.notFound("Campaign '" + campaignId + "' does not exist");
    }
}
