package org.leaderboard.system;

import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Refuses a path parameter ({@code ;name=value}) in an API or stream path with 404. Spring's path
 * matching strips them from path variables, so {@code PUT /api/campaigns/x;a=b} would otherwise
 * update campaign {@code x}: one resource reachable under many names, which caches, logs and
 * allow-lists keyed on the path would all see as different.
 */
@Component
@Order(-100)
class PathParameterGuard implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (path.indexOf(';') >= 0 && (path.startsWith("/api/") || path.startsWith("/ws/"))) {
            return Mono.error(ApiProblem.notFound("No resource at this path: path parameters (';') are not part"
                    + " of any id"));
        }
        return chain.filter(exchange);
    }
}
