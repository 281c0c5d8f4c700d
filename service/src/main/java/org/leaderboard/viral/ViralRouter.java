package org.leaderboard.viral;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import org.leaderboard.system.ApiTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Routes of the organizer API for the viral mechanics and moderation, behind the organizer token.
 * Their public reads (milestones, pledges, matches) are part of the read API.
 */
@Configuration(proxyBeanMethods = false)
class ViralRouter {

    @Bean
    RouterFunction<ServerResponse> viralRoutes(ViralHandler handler, ApiTokens tokens) {
        return RouterFunctions.route(PUT("/api/campaigns/{campaignId}/milestones/{milestoneId}"), handler::putMilestone)
                .andRoute(PUT("/api/campaigns/{campaignId}/pledges/{pledgeId}"), handler::putPledge)
                .andRoute(PUT("/api/campaigns/{campaignId}/matches/{matchId}"), handler::putMatch)
                .andRoute(POST("/api/campaigns/{campaignId}/feed/{eventId}/hide"), request -> handler.moderate(request, true))
                .andRoute(POST("/api/campaigns/{campaignId}/feed/{eventId}/unhide"),
                        request -> handler.moderate(request, false))
                .andRoute(GET("/api/campaigns/{campaignId}/messages"), handler::messages)
                .filter(tokens.require(ApiTokens.Role.ORGANIZER));
    }
}
