package org.leaderboard.system;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;

/** Renders an {@link ApiProblem} as an {@code application/problem+json} response. */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    public static Mono<ServerResponse> render(ApiProblem problem, ServerRequest request) {
        ServerResponse.BodyBuilder builder = ServerResponse.status(problem.status())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        problem.headers().forEach(builder::header);
        return builder.bodyValue(problem.body(request.path()));
    }
}
