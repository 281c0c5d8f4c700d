package org.leaderboard.leaderboard;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lettuce.core.RedisException;

import org.leaderboard.campaign.Campaign;
import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.campaign.Fundraiser;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.FieldError;
import org.leaderboard.system.ProblemResponses;
import org.springframework.dao.DataAccessException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The public read API: a campaign with its totals, the boards, a fundraiser's standing and the
 * feed. Figures come from Redis in one atomic script call each; names and goals from the
 * campaign directory (PostgreSQL behind a short cache). Identical requests share one rendered
 * answer, read at most {@code leaderboard.read.max-age} ago ({@link SharedReads}). Figures that
 * cannot be read exactly right now (Redis unreachable, or the campaign's live state lost and
 * being rebuilt) are answered 503 with {@code Retry-After}, never as zeros.
 */
@Component
class LeaderboardHandler {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final LeaderboardStore store;
    private final SharedReads reads;
    private final CampaignDirectory directory;
    private final Clock clock;

    LeaderboardHandler(LeaderboardStore store, SharedReads reads, CampaignDirectory directory, Clock clock) {
        this.store = store;
        this.reads = reads;
        this.directory = directory;
        this.clock = clock;
    }

    Mono<ServerResponse> campaign(ServerRequest request) {
        return campaignOr404(request)
                .flatMap(c -> reads.read(c.id(), "render:campaign", () -> store.totals(c.id()).map(totals -> {
                    Map<String, Object> json = directory.campaignJson(c);
                    json.put("totals", ReadJson.totals(c, totals));
                    return render(json);
                })))
                .flatMap(LeaderboardHandler::ok)
                .onErrorMap(LeaderboardHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    Mono<ServerResponse> totals(ServerRequest request) {
        return campaignOr404(request)
                .flatMap(c -> reads.read(c.id(), "render:totals",
                        () -> store.totals(c.id()).map(totals -> render(ReadJson.totals(c, totals)))))
                .flatMap(LeaderboardHandler::ok)
                .onErrorMap(LeaderboardHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    /** GET …/milestones, …/pledges or …/matches: a campaign's viral mechanics with their live figures. */
    Mono<ServerResponse> viral(ServerRequest request, String kind) {
        return campaignOr404(request)
                .flatMap(c -> reads.read(c.id(), "render:" + kind, () -> store.summary(c.id()).map(summary -> {
                    ViralState viral = summary.viral();
                    Object list = switch (kind) {
                        case "milestones" -> ReadJson.milestones(viral.milestones());
                        case "pledges" -> ReadJson.pledges(viral, summary.totals().shareCount());
                        default -> ReadJson.matches(viral);
                    };
                    return render(Map.of(kind, list));
                })))
                .flatMap(LeaderboardHandler::ok)
                .onErrorMap(LeaderboardHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    Mono<ServerResponse> board(ServerRequest request) {
        String name = request.pathVariable("board");
        Board board = Board.fromWire(name).orElse(null);
        if (board == null) {
            return ProblemResponses.render(ApiProblem.notFound("Unknown board '" + name
                    + "'; boards are fundraisers, teams, sharers, trending, referrals"), request);
        }
        int[] page;
        try {
            page = new int[] { intParam(request, "limit", 10, 1, 100), intParam(request, "offset", 0, 0,
                    Integer.MAX_VALUE) };
        }
        catch (ApiProblem problem) {
            return ProblemResponses.render(problem, request);
        }
        Instant now = clock.instant();
        // The page and the minute the trending window ends in name the rendering.
        String key = "render:board:" + board.wire() + ":" + page[1] + ":" + page[0] + ":"
                + Math.floorDiv(now.getEpochSecond(), 60);
        return campaignOr404(request)
                .flatMap(c -> reads.read(c.id(), key, () -> store.board(c.id(), board, page[1], page[0], now)
                        .map(entries -> {
                            Map<String, Object> json = new LinkedHashMap<>();
                            json.put("board", board.wire());
                            json.put("entries", entries.stream().map(ReadJson::entry).toList());
                            return render(json);
                        })))
                .flatMap(LeaderboardHandler::ok)
                .onErrorMap(LeaderboardHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    Mono<ServerResponse> fundraiser(ServerRequest request) {
        String campaignId = request.pathVariable("campaignId");
        String fundraiserId = request.pathVariable("fundraiserId");
        return campaignOr404(request)
                .flatMap(c -> directory.fundraiser(campaignId, fundraiserId))
                .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Fundraiser '" + fundraiserId
                        + "' does not exist in campaign '" + campaignId + "'")))
                .flatMap(f -> reads.read(campaignId, "render:fundraiser:" + fundraiserId,
                        () -> store.standing(campaignId, fundraiserId)
                                .map(Optional::of)
                                .defaultIfEmpty(Optional.empty())
                                .map(standing -> render(fundraiserJson(f, standing.orElse(null))))))
                .flatMap(LeaderboardHandler::ok)
                .onErrorMap(LeaderboardHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    Mono<ServerResponse> feed(ServerRequest request) {
        int limit;
        try {
            limit = intParam(request, "limit", 20, 1, LeaderboardStore.MAX_LIMIT);
        }
        catch (ApiProblem problem) {
            return ProblemResponses.render(problem, request);
        }
        return campaignOr404(request)
                .flatMap(c -> reads.read(c.id(), "render:feed:" + limit, () -> store.feed(c.id(), limit)
                        .map(entries -> render(Map.of("entries", entries.stream().map(ReadJson::feed).toList())))))
                .flatMap(LeaderboardHandler::ok)
                .onErrorMap(LeaderboardHandler::unavailable)
                .onErrorResume(ApiProblem.class, problem -> ProblemResponses.render(problem, request));
    }

    private Mono<Campaign> campaignOr404(ServerRequest request) {
        String id = request.pathVariable("campaignId");
        return directory.campaign(id)
                .switchIfEmpty(Mono.error(() -> ApiProblem.notFound("Campaign '" + id + "' does not exist")));
    }

    private static int intParam(ServerRequest request, String name, int defaultValue, int min, int max) {
        Optional<String> raw = request.queryParam(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value >= min && value <= max) {
                return value;
            }
        }
        catch (NumberFormatException ex) {
            // answered below
        }
        throw ApiProblem.validation(List.of(new FieldError(name, "must be an integer between " + min + " and "
                + max)));
    }

    private Map<String, Object> fundraiserJson(Fundraiser f, Standing standing) {
        Map<String, Object> json = directory.fundraiserJson(f);
        json.put("raisedMinor", standing == null ? 0 : standing.raisedMinor());
        json.put("shareCount", standing == null ? 0 : standing.shareCount());
        json.put("rank", standing == null ? null : standing.rank());
        json.put("ahead", ReadJson.ahead(standing == null ? null : standing.ahead()));
        json.put("referredMinor", standing == null ? 0 : standing.referredMinor());
        return json;
    }

    /** Redis unreachable or a campaign's live state missing: the figures are absent for now, not zero. */
    private static Throwable unavailable(Throwable error) {
        if (error instanceof LiveStateMissing) {
            return ApiProblem.unavailable("The live figures of this campaign are being rebuilt from the ledger; "
                    + "retry shortly", 1);
        }
        if (error instanceof DataAccessException || error instanceof RedisException) {
            return ApiProblem.unavailable("The live figures cannot be read right now; retry shortly", 1);
        }
        return error;
    }

    private static byte[] render(Object json) {
        return JSON.writeValueAsBytes(json);
    }

    private static Mono<ServerResponse> ok(Object body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }
}
