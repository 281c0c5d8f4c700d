package org.leaderboard.system;

import org.springframework.http.HttpHeaders;
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
        if (closesConnection(problem.status().value(), request.headers().asHttpHeaders())) {
            builder.header(HttpHeaders.CONNECTION, "close");
        }
        return builder.bodyValue(problem.body(request.path()));
    }

    /**
     * Whether a rejection must close the connection: it was answered before the request body was
     * read (no or wrong token, a token of another page, a client over its rate limit, unknown
     * route, body too large by its declared length), and a keep-alive connection with an unread
     * body left in it cannot be trusted with the next request.
     */
    static boolean closesConnection(int status, HttpHeaders requestHeaders) {
        boolean hasBody = requestHeaders.getContentLength() > 0
                || requestHeaders.containsHeader(HttpHeaders.TRANSFER_ENCODING);
        return hasBody && (status == 401 || status == 403 || status == 404 || status == 405 || status == 413
                || status == 415 || status == 429);
    }
}
