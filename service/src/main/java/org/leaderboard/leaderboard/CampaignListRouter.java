package org.leaderboard.leaderboard;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import org.leaderboard.system.ApiTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The organizer console's list of campaigns, behind the organizer token. */
@Configuration(proxyBeanMethods = false)
class CampaignListRouter {

    @Bean
    RouterFunction<ServerResponse> campaignListRoute(CampaignListHandler handler, ApiTokens tokens) {
        return RouterFunctions.route(GET("/api/campaigns"), handler::list)
                .filter(tokens.require(ApiTokens.Role.ORGANIZER));
    }
}
