package org.leaderboard.campaign;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import org.leaderboard.system.ApiTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Routes of the organizer API for campaigns, teams and fundraisers, behind the organizer token;
 * a fundraiser's PUT also takes its self-service page's manage token, and the public signup that
 * creates such pages takes none (it is rate-limited instead).
 */
@Configuration(proxyBeanMethods = false)
class CampaignRouter {

    @Bean
    RouterFunction<ServerResponse> campaignRoutes(CampaignHandler handler, SignupHandler signup, ApiTokens tokens,
            PageTokens pageTokens) {
        return RouterFunctions.route(PUT("/api/campaigns/{campaignId}"), handler::putCampaign)
                .andRoute(PUT("/api/campaigns/{campaignId}/teams/{teamId}"), handler::putTeam)
                .filter(tokens.require(ApiTokens.Role.ORGANIZER))
                .and(RouterFunctions.route(PUT("/api/campaigns/{campaignId}/fundraisers/{fundraiserId}"),
                        handler::putFundraiser).filter(pageTokens.organizerOrOwner()))
                .and(RouterFunctions.route(POST("/api/campaigns/{campaignId}/fundraisers"), signup::create));
    }
}
