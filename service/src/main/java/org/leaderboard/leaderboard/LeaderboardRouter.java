package org.leaderboard.leaderboard;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import java.util.LinkedHashMap;
import java.util.Map;

import org.leaderboard.system.ApiTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Routes of the public read API and of the organizer's rebuild. */
@Configuration(proxyBeanMethods = false)
class LeaderboardRouter {

    @Bean
    RouterFunction<ServerResponse> readRoutes(LeaderboardHandler handler) {
        return RouterFunctions.route(GET("/api/campaigns/{campaignId}"), handler::campaign)
                .andRoute(GET("/api/campaigns/{campaignId}/totals"), handler::totals)
                .andRoute(GET("/api/campaigns/{campaignId}/leaderboards/{board}"), handler::board)
                .andRoute(GET("/api/campaigns/{campaignId}/fundraisers/{fundraiserId}"), handler::fundraiser)
                .andRoute(GET("/api/campaigns/{campaignId}/feed"), handler::feed)
                .andRoute(GET("/api/campaigns/{campaignId}/milestones"), request -> handler.viral(request, "milestones"))
                .andRoute(GET("/api/campaigns/{campaignId}/pledges"), request -> handler.viral(request, "pledges"))
                .andRoute(GET("/api/campaigns/{campaignId}/matches"), request -> handler.viral(request, "matches"));
    }

    @Bean
    RouterFunction<ServerResponse> rebuildRoute(LiveApplier applier, ApiTokens tokens) {
        return RouterFunctions.route(POST("/api/admin/rebuild"), request -> applier.rebuild("requested by an organizer")
                .flatMap(result -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("campaigns", result.campaigns());
                    json.put("events", result.events());
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json);
                }))
                .filter(tokens.require(ApiTokens.Role.ORGANIZER));
    }
}
