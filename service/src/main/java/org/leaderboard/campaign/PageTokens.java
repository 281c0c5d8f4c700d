package org.leaderboard.campaign;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;

import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.ApiTokens;
import org.leaderboard.system.ProblemResponses;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The manage tokens of self-service pages: drawn at creation (256 random bits, shown once, kept
 * as their SHA-256), and checked on the fundraiser PUT, which takes either the organizer's token
 * or the manage token of that very page. A manage token of another page is answered 403, so its
 * owner learns the token is fine but the page is not theirs; anything else 401.
 */
@Component
class PageTokens {

    /** Request attribute set when the fundraiser PUT was authorized by the page's own token. */
    static final String OWNER = PageTokens.class.getName() + ".owner";

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final char[] SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int SUFFIX_LENGTH = 8;

    private final SecureRandom random = new SecureRandom();
    private final CampaignStore store;
    private final ApiTokens tokens;

    PageTokens(CampaignStore store, ApiTokens tokens) {
        this.store = store;
        this.tokens = tokens;
    }

    /** A new page's token, its hash and a random id suffix. */
    record Issued(String token, byte[] hash, String suffix) {
    }

    /**
     * Draws a token and an id suffix. SecureRandom may read /dev/urandom (a blocking call), so it
     * runs on the bounded elastic scheduler, off the event loop.
     */
    Mono<Issued> issue() {
        return Mono.fromCallable(() -> {
            byte[] bytes = new byte[32 + SUFFIX_LENGTH];
            random.nextBytes(bytes);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(bytes, 32));
            StringBuilder suffix = new StringBuilder(SUFFIX_LENGTH);
            for (int i = 32; i < bytes.length; i++) {
                suffix.append(SUFFIX_ALPHABET[(bytes[i] & 0xff) % SUFFIX_ALPHABET.length]);
            }
            return new Issued(token, hash(token), suffix.toString());
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /** Lets the organizer or the page's owner (marked with {@link #OWNER}) through. */
    HandlerFilterFunction<ServerResponse, ServerResponse> organizerOrOwner() {
        return (request, next) -> {
            if (tokens.carries(request, ApiTokens.Role.ORGANIZER)) {
                return next.handle(request);
            }
            String token = ApiTokens.bearer(request);
            if (token == null || !TOKEN.matcher(token).matches()) {
                return ProblemResponses.render(ApiTokens.unauthorized(request), request);
            }
            String campaignId = request.pathVariable("campaignId");
            String fundraiserId = request.pathVariable("fundraiserId");
            return store.findByManageToken(hash(token))
                    .flatMap(page -> {
                        if (!page.campaignId().equals(campaignId) || !page.id().equals(fundraiserId)) {
                            return ProblemResponses.render(ApiProblem.of(HttpStatus.FORBIDDEN, "forbidden",
                                    "Forbidden", "This manage token is for another page"), request);
                        }
                        request.attributes().put(OWNER, Boolean.TRUE);
                        return next.handle(request);
                    })
                    .switchIfEmpty(Mono.defer(() -> ProblemResponses.render(ApiTokens.unauthorized(request), request)));
        };
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every JVM has SHA-256", ex);
        }
    }
}
