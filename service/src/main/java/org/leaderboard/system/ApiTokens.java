package org.leaderboard.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Guards the organizer and ingest routes with their bearer tokens. A token that is not
 * configured is generated once and logged once, so a fresh start is never left open.
 */
@Component
public class ApiTokens {

    private static final Logger log = LoggerFactory.getLogger(ApiTokens.class);

    /** Who a route is for; each has its own token. */
    public enum Role {
        ORGANIZER, INGEST
    }

    private final byte[] organizer;
    private final byte[] ingest;

    ApiTokens(AuthProperties properties) {
        this.organizer = tokenOrGenerated(properties.organizerToken(), "LEADERBOARD_ORGANIZER_TOKEN");
        this.ingest = tokenOrGenerated(properties.ingestToken(), "LEADERBOARD_INGEST_TOKEN");
    }

    /** A filter that answers 401 problem+json unless the request carries the role's token. */
    public HandlerFilterFunction<ServerResponse, ServerResponse> require(Role role) {
        return (request, next) -> carries(request, role) ? next.handle(request)
                : ProblemResponses.render(unauthorized(request), request);
    }

    /** Whether the request's bearer token is the role's. */
    public boolean carries(ServerRequest request, Role role) {
        byte[] expected = role == Role.ORGANIZER ? organizer : ingest;
        String token = bearer(request);
        return token != null && MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.UTF_8));
    }

    /** The token of the request's {@code Authorization: Bearer} header, or null without one. */
    public static String bearer(ServerRequest request) {
        String header = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }

    /** The 401 of a request without a valid token for its route. */
    public static ApiProblem unauthorized(ServerRequest request) {
        return ApiProblem.unauthorized(request.headers().firstHeader(HttpHeaders.AUTHORIZATION) == null
                ? "This endpoint needs an Authorization: Bearer token"
                : "The bearer token is not valid for this endpoint");
    }

    private static byte[] tokenOrGenerated(String configured, String variable) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim().getBytes(StandardCharsets.UTF_8);
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        log.warn("{} is not set; generated token for this run: {}", variable, token);
        return token.getBytes(StandardCharsets.UTF_8);
    }
}
