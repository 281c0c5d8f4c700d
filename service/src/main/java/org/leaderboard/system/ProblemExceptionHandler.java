package org.leaderboard.system;

import java.util.Map;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every error that escapes a handler (our {@link ApiProblem}s, unknown routes, wrong
 * methods, unexpected failures) into problem+json, so clients never see another error shape.
 * Runs before Spring Boot's default handler, which would answer with its own JSON.
 */
@Component
@Order(-2)
class ProblemExceptionHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemExceptionHandler.class);

    private final JsonMapper json;

    ProblemExceptionHandler(JsonMapper json) {
        this.json = json;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        ApiProblem problem = toProblem(ex);
        response.setStatusCode(problem.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        problem.headers().forEach(response.getHeaders()::set);
        if (ProblemResponses.closesConnection(problem.status().value(), exchange.getRequest().getHeaders())) {
            response.getHeaders().set(HttpHeaders.CONNECTION, "close");
        }
        byte[] bytes = json.writeValueAsBytes(problem.body(exchange.getRequest().getPath().value()));
        DataBuffer buffer = response.bufferFactory().wrap(bytes);
        return response.writeWith(Mono.just(buffer));
    }

    private static ApiProblem toProblem(Throwable ex) {
        if (ex instanceof ApiProblem problem) {
            return problem;
        }
        if (ex instanceof DataBufferLimitException || ex.getCause() instanceof DataBufferLimitException) {
            return ApiProblem.tooLarge("The request body exceeds the size limit");
        }
        if (isUnavailability(ex)) {
            log.warn("Request failed because a backing store is unavailable: {}", ex.toString());
            return ApiProblem.unavailable("A backing store is unavailable; retry shortly", 1);
        }
        if (ex instanceof InvalidMediaTypeException invalid) {
            return ApiProblem.of(HttpStatus.BAD_REQUEST, "malformed-header", "Malformed header",
                    "A header holds an invalid media type: " + invalid.getMediaType());
        }
        if (isRequestTimeout(ex)) {
            return ApiProblem.of(HttpStatus.REQUEST_TIMEOUT, "request-timeout", "Request timeout",
                    "The request body was not received in time");
        }
        if (ex instanceof ResponseStatusException rse) {
            HttpStatusCode code = rse.getStatusCode();
            HttpStatus status = HttpStatus.resolve(code.value());
            if (status == null) {
                status = HttpStatus.INTERNAL_SERVER_ERROR;
            }
            String reason = rse.getReason() != null ? rse.getReason() : status.getReasonPhrase();
            ApiProblem problem = ApiProblem.of(status, typeOf(status), status.getReasonPhrase(), reason);
            for (var header : rse.getHeaders().headerSet()) {
                problem = problem.withHeader(header.getKey(), String.join(", ", header.getValue()));
            }
            return problem;
        }
        log.error("Unexpected error", ex);
        return ApiProblem.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal server error",
                "An unexpected error occurred");
    }

    /** Failures that a retry may cure: a lost or refused database or Redis connection, a timeout. */
    private static boolean isUnavailability(Throwable ex) {
        return ex instanceof DataAccessResourceFailureException || ex instanceof TransientDataAccessException
                || ex instanceof CannotCreateTransactionException || ex instanceof R2dbcTransientException
                || ex instanceof R2dbcNonTransientResourceException || ex instanceof TimeoutException
                || ex instanceof RedisConnectionFailureException || ex instanceof RedisSystemException
                || ex instanceof RedisException;
    }

    /** Reactor Netty's body timeouts: its request timeout, or Netty's read timeout between two reads. */
    private static boolean isRequestTimeout(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ReadTimeoutException || t.getClass().getSimpleName().equals("RequestTimeoutException")) {
                return true;
            }
        }
        return false;
    }

    private static String typeOf(HttpStatus status) {
        return Map.of(HttpStatus.NOT_FOUND, "not-found", HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed",
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", HttpStatus.NOT_ACCEPTABLE,
                "not-acceptable", HttpStatus.UPGRADE_REQUIRED, "upgrade-required", HttpStatus.REQUEST_TIMEOUT,
                "request-timeout").getOrDefault(status, status.is4xxClientError() ? "bad-request" : "internal");
    }
}
