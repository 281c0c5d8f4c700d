package org.leaderboard.web;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Routes of the pages (API.md "Pages"), of their built assets, and of the API's OpenAPI document. */
@Configuration(proxyBeanMethods = false)
class PageRouter {

    @Bean
    RouterFunction<ServerResponse> pageRoutes(PageHandler handler) {
        return RouterFunctions.route(GET("/"), handler::shell)
                .andRoute(GET("/organizer"), handler::shell)
                .andRoute(GET("/c/{campaignId}"), handler::campaignPage)
                .andRoute(GET("/c/{campaignId}/screen"), handler::campaignPage)
                .andRoute(GET("/c/{campaignId}/join"), handler::campaignPage)
                .andRoute(GET("/c/{campaignId}/f/{fundraiserId}"), handler::fundraiserPage)
                .andRoute(GET("/assets/{file}"), handler::asset)
                .and(RouterFunctions.resource(GET("/openapi.yaml"), new ClassPathResource("api/openapi.yaml"),
                        (resource, headers) -> headers.setContentType(MediaType.parseMediaType("application/yaml"))));
    }
}
