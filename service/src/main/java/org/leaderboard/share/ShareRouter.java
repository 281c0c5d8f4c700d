package org.leaderboard.share;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The public share endpoint: no token, rate-limited per client address instead. */
@Configuration(proxyBeanMethods = false)
class ShareRouter {

    @Bean
    RouterFunction<ServerResponse> shareRoutes(ShareHandler handler) {
        return RouterFunctions.route(POST("/api/campaigns/{campaignId}/fundraisers/{fundraiserId}/shares"),
                handler::share);
    }
}
