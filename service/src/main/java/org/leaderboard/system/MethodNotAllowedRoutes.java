package org.leaderboard.system;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Answers a request to an API path with a method it does not take with 405 and {@code Allow}
 * (RFC 9110), instead of the 404 it would get from falling through every route to the static
 * resources. Consulted after every other route: it asks each of them whether it would take the
 * same request with another method, so the answer follows the routes as they are declared.
 */
@Configuration(proxyBeanMethods = false)
class MethodNotAllowedRoutes {

    private static final List<HttpMethod> METHODS = List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT,
            HttpMethod.DELETE, HttpMethod.PATCH);

    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    RouterFunction<ServerResponse> methodNotAllowedRoute(ObjectProvider<RouterFunction<?>> routes) {
        List<RouterFunction<?>> self = new ArrayList<>(1);
        RouterFunction<ServerResponse> fallback = request -> {
            if (!request.path().startsWith("/api/")) {
                return Mono.empty();
            }
            List<RouterFunction<?>> others = routes.orderedStream().filter(r -> !self.contains(r)).toList();
            return Flux.fromIterable(METHODS)
                    .filter(method -> !method.equals(request.method()))
                    .concatMap(method -> Flux.fromIterable(others)
                            .concatMap(route -> route.route(ServerRequest.from(request).method(method).build()))
                            .next()
                            .map(handler -> method))
                    .collectList()
                    .filter(allowed -> !allowed.isEmpty())
                    .map(allowed -> r -> ProblemResponses.render(methodNotAllowed(request.method(), allowed), r));
        };
        self.add(fallback);
        return fallback;
    }

    private static ApiProblem methodNotAllowed(HttpMethod method, List<HttpMethod> allowed) {
        List<String> names = new ArrayList<>(allowed.stream().map(HttpMethod::name).toList());
        if (names.contains("GET")) {
            names.add(1 + names.indexOf("GET"), "HEAD");
        }
        String allow = names.stream().collect(Collectors.joining(", "));
        return ApiProblem.of(HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed",
                method.name() + " is not allowed here; allowed: " + allow).withHeader(HttpHeaders.ALLOW, allow);
    }
}
