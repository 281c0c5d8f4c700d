package org.leaderboard.campaign;

import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.Ids;
import org.leaderboard.system.JsonFields;
import org.leaderboard.system.ProblemResponses;
import org.leaderboard.system.RequestBodies;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Organizer API: idempotent PUTs of campaigns, teams and fundraisers. A PUT replaces the
 * resource: an optional field left out is cleared. 201 when the request created it, 200 otherwise.
 * The fundraiser PUT also serves the owner of a self-service page ({@link PageTokens}).
 */
@Component
class CampaignHandler {

    /** 10^15: far past any campaign, and still exact as a JavaScript number in browsers. */
    static final long MAX_GOAL_MINOR = 1_000_000_000_000_000L;
    private static final DataSize MAX_BODY = DataSize.ofKilobytes(64);

    private final CampaignStore store;
    private final RequestBodies bodies;
    private final ObjectProvider<CampaignChanges> changes;

    CampaignHandler(CampaignStore store, RequestBodies bodies, ObjectProvider<CampaignChanges> changes) {
        this.store = store;
        this.bodies = bodies;
        this.changes = changes;
    }

    Mono<ServerResponse> putCampaign(ServerRequest request) {
        String id = request.pathVariable("campaignId");
        return body(request, f -> {
            checkPathId(f, "campaignId", id);
            f.rejectUnknown(Set.of("title", "story", "currency", "goalMinor", "endsAt", "openSignup", "donateUrl"),
                    "is not a field of a campaign");
            String title = f.text("title", true, 200);
            String story = f.text("story", false, 20_000);
            String currency = f.string("currency", true);
            if (currency != null && !isIsoCurrency(currency)) {
                f.error("currency", "must be the ISO 4217 code of a currency with minor units, such as EUR");
            }
            Long goal = f.integer("goalMinor", true, 1, MAX_GOAL_MINOR);
            var endsAt = f.timestamp("endsAt", false);
            Boolean openSignup = f.bool("openSignup");
            String donateUrl = DonateUrls.read(f, "donateUrl");
            return new Campaign(id, title, story, currency, goal == null ? 0 : goal, endsAt,
                    Boolean.TRUE.equals(openSignup), null, null, donateUrl, false);
        }).flatMap(campaign -> store.findCampaign(id).hasElement()
                        .flatMap(exists -> exists ? Mono.<Void>empty()
                                : Flux.fromStream(changes::orderedStream).concatMap(c -> c.campaignCreating(id)).then())
                        .then(store.saveCampaign(campaign)))
                .flatMap(saved -> Flux.fromStream(changes::orderedStream).concatMap(c -> c.campaignSaved(saved.value())).then()
                        .thenReturn(saved))
                .flatMap(saved -> respond(saved, campaignJson(saved.value())))
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    Mono<ServerResponse> putTeam(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        String teamId = request.pathVariable("teamId");
        return body(request, f -> {
            checkPathId(f, "campaignId", campaignId);
            checkPathId(f, "teamId", teamId);
            f.rejectUnknown(Set.of("name"), "is not a field of a team");
            return f.text("name", true, 100);
        }).flatMap(name -> store.saveTeam(campaignId, teamId, name))
                .flatMap(saved -> Flux.fromStream(changes::orderedStream).concatMap(c -> c.teamSaved(saved.value())).then()
                        .thenReturn(saved))
                .flatMap(saved -> respond(saved, teamJson(saved.value())))
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    Mono<ServerResponse> putFundraiser(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        String fundraiserId = request.pathVariable("fundraiserId");
        // A self-service page's owner edits it under the rules it was created with.
        boolean owner = request.attribute(PageTokens.OWNER).isPresent();
        return body(request, f -> {
            checkPathId(f, "campaignId", campaignId);
            checkPathId(f, "fundraiserId", fundraiserId);
            f.rejectUnknown(Set.of("displayName", "teamId", "goalMinor", "story"), "is not a field of a fundraiser");
            return new Fundraiser(campaignId, fundraiserId,
                    owner ? SignupHandler.displayName(f) : f.text("displayName", true, 100),
                    f.resourceId("teamId", false), f.integer("goalMinor", false, 1, MAX_GOAL_MINOR),
                    owner ? SignupHandler.story(f) : f.text("story", false, 20_000), null, null);
        }).flatMap(store::saveFundraiser)
                .flatMap(saved -> Flux.fromStream(changes::orderedStream).concatMap(c -> c.fundraiserSaved(saved.value())).then()
                        .thenReturn(saved))
                .flatMap(saved -> respond(saved, fundraiserJson(saved.value())))
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    /** Reads a JSON object body, lets {@code reader} validate it, and fails with every bad field at once. */
    private <T> Mono<T> body(ServerRequest request, Function<JsonFields, T> reader) {
        return bodies.read(request, MAX_BODY).map(bytes -> bodies.parseObject(bytes, reader));
    }

    private static void checkPathId(JsonFields fields, String name, String value) {
        if (!Ids.isResourceId(value)) {
            fields.error(name, "path segment " + Ids.RESOURCE_ID_RULE);
        }
    }

    /**
     * An ISO 4217 code of money: the codes without minor units (XXX "no currency", XTS for tests,
     * precious metals, special drawing rights) cannot express an amount in minor units.
     */
    private static boolean isIsoCurrency(String code) {
        try {
            Currency currency = Currency.getInstance(code);
            return code.length() == 3 && currency.getCurrencyCode().equals(code)
                    && currency.getDefaultFractionDigits() >= 0;
        }
        catch (IllegalArgumentException ex) {
            return false;
        }
    }

    private static Mono<ServerResponse> respond(Saved<?> saved, Map<String, Object> json) {
        return ServerResponse.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(json);
    }

    static Map<String, Object> campaignJson(Campaign c) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", c.id());
        json.put("title", c.title());
        json.put("story", c.story());
        json.put("currency", c.currency());
        json.put("goalMinor", c.goalMinor());
        json.put("endsAt", c.endsAt() == null ? null : c.endsAt().toString());
        json.put("openSignup", c.openSignup());
        json.put("donateUrl", c.donateUrl());
        json.put("demo", c.demo());
        json.put("createdAt", c.createdAt().toString());
        json.put("updatedAt", c.updatedAt().toString());
        return json;
    }

    static Map<String, Object> teamJson(Team t) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("campaignId", t.campaignId());
        json.put("id", t.id());
        json.put("name", t.name());
        json.put("createdAt", t.createdAt().toString());
        json.put("updatedAt", t.updatedAt().toString());
        return json;
    }

    static Map<String, Object> fundraiserJson(Fundraiser f) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("campaignId", f.campaignId());
        json.put("id", f.id());
        json.put("displayName", f.displayName());
        json.put("teamId", f.teamId());
        json.put("goalMinor", f.goalMinor());
        json.put("story", f.story());
        json.put("createdAt", f.createdAt().toString());
        json.put("updatedAt", f.updatedAt().toString());
        return json;
    }
}
