package org.leaderboard.viral;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

import io.lettuce.core.RedisException;

import org.leaderboard.campaign.Campaign;
import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.leaderboard.FeedEntry;
import org.leaderboard.leaderboard.LeaderboardStore;
import org.leaderboard.leaderboard.Match;
import org.leaderboard.leaderboard.Milestone;
import org.leaderboard.leaderboard.Pledge;
import org.leaderboard.leaderboard.ReadJson;
import org.leaderboard.ledger.LedgerTail;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.FieldError;
import org.leaderboard.system.Ids;
import org.leaderboard.system.JsonFields;
import org.leaderboard.system.ProblemResponses;
import org.leaderboard.system.RequestBodies;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Organizer API of the viral mechanics: idempotent PUTs of milestones, sponsor pledges and
 * matching gifts (saved in PostgreSQL, then into the campaign's live state), and moderation of
 * donors' messages. A PUT replaces the definition: an optional field left out is cleared.
 */
@Component
class ViralHandler {

    /** 10^15, as for goals: far past any campaign, and exact as a JavaScript number. */
    static final long MAX_MINOR = 1_000_000_000_000_000L;
    private static final DataSize MAX_BODY = DataSize.ofKilobytes(16);
    private static final int MAX_MESSAGES = 200;

    private final ViralStore store;
    private final ViralSetup setup;
    private final LeaderboardStore live;
    private final CampaignDirectory directory;
    private final LedgerTail ledger;
    private final RequestBodies bodies;

    ViralHandler(ViralStore store, ViralSetup setup, LeaderboardStore live, CampaignDirectory directory,
            LedgerTail ledger, RequestBodies bodies) {
        this.store = store;
        this.setup = setup;
        this.live = live;
        this.directory = directory;
        this.ledger = ledger;
        this.bodies = bodies;
    }

    Mono<ServerResponse> putMilestone(ServerRequest request) {
        return define(request, "milestoneId", (id, f) -> {
            f.rejectUnknown(Set.of("metric", "threshold", "label"), "is not a field of a milestone");
            String metric = f.string("metric", true);
            if (metric != null && !Milestone.METRICS.contains(metric)) {
                f.error("metric", "must be one of raisedMinor, grandTotalMinor, shareCount");
            }
            Long threshold = f.integer("threshold", true, 1, MAX_MINOR);
            String label = f.text("label", true, 200);
            return new Milestone(id, metric, threshold == null ? 0 : threshold, label, null);
        }, setup::milestone, ReadJson::milestone);
    }

    Mono<ServerResponse> putPledge(ServerRequest request) {
        return define(request, "pledgeId", (id, f) -> {
            f.rejectUnknown(Set.of("sponsor", "perShareMinor", "capMinor", "bonus"), "is not a field of a pledge");
            String sponsor = f.text("sponsor", true, 200);
            Long perShare = f.integer("perShareMinor", true, 1, 10_000_000_000L);
            Long cap = f.integer("capMinor", true, 1, MAX_MINOR);
            Long atShares = null;
            Long bonus = null;
            if (f.has("bonus")) {
                JsonFields b = f.object("bonus");
                if (b != null) {
                    b.rejectUnknown(Set.of("atShares", "amountMinor"), "is not a field of a bonus");
                    atShares = b.integer("atShares", true, 1, 1_000_000_000_000L);
                    bonus = b.integer("amountMinor", true, 1, MAX_MINOR);
                }
            }
            return new Pledge(id, sponsor, perShare == null ? 1 : perShare, cap == null ? 1 : cap, atShares, bonus);
        }, setup::pledge, ReadJson::pledge);
    }

    Mono<ServerResponse> putMatch(ServerRequest request) {
        return define(request, "matchId", (id, f) -> {
            f.rejectUnknown(Set.of("sponsor", "ratio", "capMinor", "startsAt", "endsAt"), "is not a field of a match");
            String sponsor = f.text("sponsor", true, 200);
            Integer ratio = ratioPercent(f);
            Long cap = f.integer("capMinor", true, 1, MAX_MINOR);
            Instant startsAt = f.timestamp("startsAt", true);
            Instant endsAt = f.timestamp("endsAt", true);
            if (startsAt != null && endsAt != null && !endsAt.isAfter(startsAt)) {
                f.error("endsAt", "must be after startsAt");
            }
            return new Match(id, sponsor, ratio == null ? 100 : ratio, cap == null ? 1 : cap,
                    startsAt == null ? Instant.EPOCH : startsAt, endsAt == null ? Instant.EPOCH : endsAt);
        }, setup::match, ReadJson::match);
    }

    /** Hides ({@code hidden}) or shows again a donation's message, in PostgreSQL, then in every feed at once. */
    Mono<ServerResponse> moderate(ServerRequest request, boolean hidden) {
        String campaignId = request.pathVariable("campaignId");
        String eventId = request.pathVariable("eventId");
        return campaignOr404(campaignId)
                .then(ledger.donation(campaignId, eventId))
                .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Donation '" + eventId
                        + "' does not exist in campaign '" + campaignId + "'")))
                .flatMap(found -> (hidden ? store.hide(campaignId, eventId) : store.unhide(eventId))
                        .then(ledger.donation(campaignId, eventId)))
                .flatMap(d -> live.rewriteFeed(campaignId, new FeedEntry(d.eventId(),
                        d.anonymous() ? null : d.donorName(), d.amountMinor(), d.message(), d.fundraiserId(),
                        d.occurredAt())))
                .then(Mono.defer(() -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("eventId", eventId);
                    json.put("hidden", hidden);
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(json);
                }))
                .onErrorMap(ViralHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    /** The moderation queue: the campaign's newest messages, hidden ones included and marked. */
    Mono<ServerResponse> messages(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        int limit;
        try {
            limit = limit(request.queryParam("limit"));
        }
        catch (ApiProblem problem) {
            return ProblemResponses.render(problem, request);
        }
        return campaignOr404(campaignId)
                .thenMany(ledger.messages(campaignId, limit))
                .map(m -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("eventId", m.eventId());
                    json.put("name", m.anonymous() ? null : m.donorName());
                    json.put("amountMinor", m.amountMinor());
                    json.put("message", m.message());
                    json.put("fundraiserId", m.fundraiserId());
                    json.put("at", m.occurredAt().toString());
                    json.put("hidden", m.hidden());
                    return json;
                })
                .collectList()
                .flatMap(list -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("messages", list)))
                .onErrorMap(ViralHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    /** Reads and validates a definition's body, saves it with {@code save} and answers 201 or 200 with it. */
    private <T> Mono<ServerResponse> define(ServerRequest request, String idVariable,
            BiFunction<String, JsonFields, T> reader, BiFunction<String, T, Mono<ViralSetup.Saved<T>>> save,
            Function<T, Map<String, Object>> json) {
        String campaignId = request.pathVariable("campaignId");
        String id = request.pathVariable(idVariable);
        return bodies.read(request, MAX_BODY).map(bytes -> bodies.parseObject(bytes, fields -> {
            if (!Ids.isResourceId(campaignId)) {
                fields.error("campaignId", "path segment " + Ids.RESOURCE_ID_RULE);
            }
            if (!Ids.isResourceId(id)) {
                fields.error(idVariable, "path segment " + Ids.RESOURCE_ID_RULE);
            }
            return reader.apply(id, fields);
        }))
                .flatMap(value -> campaignOr404(campaignId).then(save.apply(campaignId, value)))
                .flatMap(saved -> ServerResponse.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(json.apply(saved.value())))
                .onErrorMap(ViralHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    private Mono<Campaign> campaignOr404(String campaignId) {
        return directory.campaign(campaignId)
                .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Campaign '" + campaignId + "' does not exist")));
    }

    /** {@code ratio}: a number above 0 and at most 10 with at most two decimals, as percent. */
    private static Integer ratioPercent(JsonFields f) {
        JsonNode ratio = f.node("ratio");
        if (ratio == null || ratio.isNull()) {
            f.error("ratio", "is required");
            return null;
        }
        if (!ratio.isNumber()) {
            f.error("ratio", "must be a number");
            return null;
        }
        // A literal past a double's range (1e400) is read as infinite, which has no decimal value.
        if (ratio.isFloatingPointNumber() && !Double.isFinite(ratio.doubleValue())) {
            f.error("ratio", "must be above 0 and at most 10, with at most two decimals");
            return null;
        }
        BigDecimal percent = ratio.decimalValue().movePointRight(2);
        if (percent.signum() <= 0 || percent.compareTo(BigDecimal.valueOf(1000)) > 0
                || percent.stripTrailingZeros().scale() > 0) {
            f.error("ratio", "must be above 0 and at most 10, with at most two decimals");
            return null;
        }
        return percent.intValueExact();
    }

    private static int limit(Optional<String> raw) {
        if (raw.isEmpty()) {
            return 50;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value >= 1 && value <= MAX_MESSAGES) {
                return value;
            }
        }
        catch (NumberFormatException ex) {
            // answered below
        }
        throw ApiProblem.validation(List.of(new FieldError("limit", "must be an integer between 1 and "
                + MAX_MESSAGES)));
    }

    /** PostgreSQL or Redis unreachable: 503, as everywhere. */
    private static Throwable unavailable(Throwable error) {
        if (error instanceof DataAccessException || error instanceof RedisException) {
            return ApiProblem.unavailable("The definitions cannot be saved right now; retry shortly", 1);
        }
        return error;
    }
}
