package org.leaderboard.system;

import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Refuses, with 404, API and stream paths that cannot name a resource and would otherwise reach a
 * handler in a misleading form:
 * <ul>
 * <li>a path parameter ({@code ;name=value}): Spring's path matching strips it from path variables,
 * so {@code PUT /api/campaigns/x;a=b} would update campaign {@code x}, one resource under many names;
 * <li>a control character, raw or percent-encoded ({@code %00}, {@code %0A}), or a malformed
 * percent-encoding: no id holds one, and a NUL would reach the database as a query parameter it
 * refuses.
 * </ul>
 */
@Component
@Order(-100)
class PathGuard implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if ((path.startsWith("/api/") || path.startsWith("/ws/")) && !acceptable(path)) {
            return Mono.error(ApiProblem.notFound("No resource at this path: ids hold no path parameters (';'),"
                    + " control characters or malformed percent-encodings"));
        }
        return chain.filter(exchange);
    }

    static boolean acceptable(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == ';' || c < 0x20 || c == 0x7f) {
                return false;
            }
            if (c == '%') {
                if (i + 2 >= path.length()) {
                    return false;
                }
                int value = Character.digit(path.charAt(i + 1), 16) * 16 + Character.digit(path.charAt(i + 2), 16);
                if (Character.digit(path.charAt(i + 1), 16) < 0 || Character.digit(path.charAt(i + 2), 16) < 0
                        || value < 0x20 || value == 0x7f || value == ';') {
                    return false;
                }
                i += 2;
            }
        }
        return true;
    }
}
