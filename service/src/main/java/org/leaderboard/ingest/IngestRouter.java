package org.leaderboard.ingest;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import org.leaderboard.system.ApiTokens;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Routes of the ingest API, all behind the ingest token. */
@Configuration(proxyBeanMethods = false)
class IngestRouter {

    @Bean
    RouterFunction<ServerResponse> ingestRoutes(IngestHandler handler, ApiTokens tokens) {
        return RouterFunctions.route(POST("/api/events"), handler::single)
                .andRoute(POST("/api/events/batch"), handler::batch)
                .filter(tokens.require(ApiTokens.Role.INGEST));
    }
}
