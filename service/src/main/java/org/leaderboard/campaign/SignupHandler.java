package org.leaderboard.campaign;

import java.text.Normalizer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.ClientAddress;
import org.leaderboard.system.Ids;
import org.leaderboard.system.JsonFields;
import org.leaderboard.system.ProblemResponses;
import org.leaderboard.system.RateLimiter;
import org.leaderboard.system.RequestBodies;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Self-service fundraiser pages: anyone may open a page in a campaign with open signup, without an
 * account. The page gets a generated id (a slug of its name and a random suffix, so nobody picks
 * or takes over another's id) and a manage token its owner edits it with. What strangers type is
 * cleaned rather than refused (control characters stripped, length-limited), and signups are
 * rate-limited per client address. The page then reaches the live state exactly as an organizer's
 * PUT does, through the same {@link CampaignChanges} hooks.
 */
@Component
class SignupHandler {

    static final int MAX_DISPLAY_NAME = 80;
    static final int MAX_STORY = 2000;
    private static final int ID_ATTEMPTS = 3;
    private static final DataSize MAX_BODY = DataSize.ofKilobytes(16);

    private final CampaignStore store;
    private final RequestBodies bodies;
    private final ObjectProvider<CampaignChanges> changes;
    private final ClientAddress clients;
    private final PageTokens tokens;
    private final RateLimiter limiter;

    SignupHandler(CampaignStore store, RequestBodies bodies, ObjectProvider<CampaignChanges> changes,
            ClientAddress clients, PageTokens tokens, SignupProperties properties) {
        this.store = store;
        this.bodies = bodies;
        this.changes = changes;
        this.clients = clients;
        this.tokens = tokens;
        this.limiter = new RateLimiter("signups", properties.burst(), properties.refillEvery(),
                properties.maxClients(), System::nanoTime);
    }

    /** What the body asks for. */
    private record Draft(String displayName, String teamId, Long goalMinor, String story) {
    }

    /** A created page and its manage token, shown this once. */
    private record Created(Fundraiser fundraiser, String manageToken) {
    }

    Mono<ServerResponse> create(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        return Mono.fromRunnable(() -> limiter.take(clients.of(request)))
                .then(bodies.read(request, MAX_BODY))
                .map(this::parse)
                .flatMap(draft -> openCampaign(campaignId)
                        .then(draft.teamId() == null ? Mono.empty() : store.findTeam(campaignId, draft.teamId())
                                .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Team '" + draft.teamId()
                                        + "' does not exist in campaign '" + campaignId + "'"))))
                        .then(insert(campaignId, draft, ID_ATTEMPTS)))
                .flatMap(created -> Flux.fromStream(changes::orderedStream)
                        .concatMap(c -> c.fundraiserSaved(created.fundraiser())).then()
                        .thenReturn(created))
                .flatMap(created -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("id", created.fundraiser().id());
                    json.put("manageToken", created.manageToken());
                    json.put("fundraiser", CampaignHandler.fundraiserJson(created.fundraiser()));
                    return ServerResponse.status(HttpStatus.CREATED).contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json);
                })
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    private Mono<Campaign> openCampaign(String campaignId) {
        Mono<Campaign> campaign = Ids.isResourceId(campaignId) ? store.findCampaign(campaignId) : Mono.empty();
        return campaign
                .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Campaign '" + campaignId + "' does not exist")))
                .filter(Campaign::openSignup)
                .switchIfEmpty(Mono.error(() -> ApiProblem.of(HttpStatus.FORBIDDEN, "signup-closed",
                        "Signup closed", "Campaign '" + campaignId + "' does not take self-service pages")));
    }

    /** Inserts the page under a fresh id, drawing another when the id is taken (a rare clash of suffixes). */
    private Mono<Created> insert(String campaignId, Draft draft, int attemptsLeft) {
        if (attemptsLeft == 0) {
            return Mono.error(() -> ApiProblem.of(HttpStatus.CONFLICT, "id-taken", "Id taken",
                    "No free page id was found; try again"));
        }
        return tokens.issue().flatMap(issued -> store.createFundraiser(new Fundraiser(campaignId,
                        slug(draft.displayName(), 63 - issued.suffix().length()) + "-" + issued.suffix(),
                        draft.displayName(), draft.teamId(), draft.goalMinor(), draft.story(), null, null),
                        issued.hash())
                .map(f -> new Created(f, issued.token())))
                .switchIfEmpty(Mono.defer(() -> insert(campaignId, draft, attemptsLeft - 1)));
    }

    private Draft parse(byte[] bytes) {
        return bodies.parseObject(bytes, f -> {
            f.rejectUnknown(Set.of("displayName", "teamId", "goalMinor", "story"), "is not a field of a fundraiser");
            return new Draft(displayName(f), f.resourceId("teamId", false),
                    f.integer("goalMinor", false, 1, CampaignHandler.MAX_GOAL_MINOR), story(f));
        });
    }

    /** The name of a self-service page, as its owner may set it (on creation and on the owner's PUT). */
    static String displayName(JsonFields f) {
        return f.strippedText("displayName", true, MAX_DISPLAY_NAME, false);
    }

    /** The story of a self-service page, line feeds kept. */
    static String story(JsonFields f) {
        return f.strippedText("story", false, MAX_STORY, true);
    }

    /**
     * The readable part of a page id: the name in lower-case ASCII (accents dropped), other runs
     * of characters as one dash, at most {@code max} characters; "page" for a name with no
     * letter or digit in ASCII.
     */
    static String slug(String name, int max) {
        String ascii = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "");
        String slug = ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > max) {
            slug = slug.substring(0, max).replaceAll("-+$", "");
        }
        return slug.isEmpty() ? "page" : slug;
    }
}
