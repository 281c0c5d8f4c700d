package org.leaderboard.campaign;

import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import org.leaderboard.system.ApiTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Routes of the organizer API for campaigns, teams and fundraisers, behind the organizer token. */
@Configuration(proxyBeanMethods = false)
class CampaignRouter {

    @Bean
    RouterFunction<ServerResponse> campaignRoutes(CampaignHandler handler, ApiTokens tokens) {
        return RouterFunctions.route(PUT("/api/campaigns/{campaignId}"), handler::putCampaign)
                .andRoute(PUT("/api/campaigns/{campaignId}/teams/{teamId}"), handler::putTeam)
                .andRoute(PUT("/api/campaigns/{campaignId}/fundraisers/{fundraiserId}"), handler::putFundraiser)
                .filter(tokens.require(ApiTokens.Role.ORGANIZER));
    }
}
