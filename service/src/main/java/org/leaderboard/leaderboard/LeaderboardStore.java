package org.leaderboard.leaderboard;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Owns a campaign's live aggregates in Redis (the keys of its generations, {@link LiveKeys}):
 * totals, boards, the trending window and the feed, all derived from the ledger. Every change is
 * one Lua script that declares every key it touches; a batch of events is one call, idempotent
 * by batch id. Scripts check that the generation this instance resolved is still current (a
 * rebuild may have swapped another in: the call is repeated with it) and that the campaign has a
 * live state at all: a campaign without one answers {@link LiveStateMissing}, never zeros.
 */
@Component
public class LeaderboardStore {

    /** Entries the feed keeps; a read may ask for at most this many, as for a board page. */
    public static final int MAX_LIMIT = 100;

    private static final int CHUNKS_IN_FLIGHT = 8;

    /** How long the keys of an unfinished rebuild survive a crash of the instance writing them. */
    private static final Duration BUILD_DEADLINE = Duration.ofHours(1);

    /** Stale answers in a row before a call gives up: each means a rebuild swapped in meanwhile. */
    private static final int MAX_STALE_RETRIES = 3;

    /** The boards of live-view.lua's reply, by their position in it. */
    private static final Map<Integer, Board> LIVE_VIEW_BOARDS = Map.of(2, Board.FUNDRAISERS, 3, Board.TEAMS,
            4, Board.SHARERS, 5, Board.TRENDING, 7, Board.REFERRALS);

    private final LiveRedis redis;
    private final SharedReads reads;
    private final Clock clock;
    /** The generation each campaign was last seen at; scripts verify it, so a stale one costs a retry. */
    private final Map<String, String> generations = new ConcurrentHashMap<>();
    private volatile Consumer<String> milestonesDue = campaignId -> {
    };

    private final RedisScript<List> applyScript = campaignScript("apply", "trending");
    private final RedisScript<List> putFundraiserScript = campaignScript("put-fundraiser");
    private final RedisScript<List> putTeamScript = campaignScript("put-team");
    private final RedisScript<List> totalsScript = campaignScript("totals");
    private final RedisScript<List> boardScript = campaignScript("board", "trending", "board-page");
    private final RedisScript<List> liveViewScript = campaignScript("live-view", "trending", "board-page");
    private final RedisScript<List> standingScript = campaignScript("standing");
    private final RedisScript<List> feedScript = campaignScript("feed");
    private final RedisScript<List> putViralScript = campaignScript("put-viral");
    private final RedisScript<List> rewriteFeedScript = campaignScript("rewrite-feed");
    private final RedisScript<Long> establishScript = LiveRedis.script("establish", Long.class);
    private final RedisScript<Long> allocateScript = LiveRedis.script("allocate-generation", Long.class);
    private final RedisScript<Long> writeChunkScript = LiveRedis.script("write-chunk", Long.class);
    private final RedisScript<List> flipScript = LiveRedis.script("flip-generation", List.class, "generation");

    LeaderboardStore(LiveRedis redis, SharedReads reads, Clock clock) {
        this.redis = redis;
        this.reads = reads;
        this.clock = clock;
    }

    /**
     * Gives a campaign about to be created its live state, empty (it has no events yet); a
     * campaign that has one keeps it. Answers whether it was established now.
     */
    public Mono<Boolean> establish(String campaignId) {
        return redis.connected().thenMany(redis.template.execute(establishScript,
                List.of(LiveKeys.generationKey(campaignId)), List.of()))
                .single().map(established -> established == 1L);
    }

    /**
     * Applies one batch of committed events to the campaign, in one atomic script: everything or
     * nothing, and at most once. Answers false, changing nothing, when the campaign has already
     * applied a batch with this id or a later one; {@link LiveStateMissing} when it has no state.
     */
    public Mono<Boolean> apply(String campaignId, long batchId, List<LiveEvent> events) {
        return Mono.fromCallable(() -> new BatchFold(campaignId, batchId, events, clock.instant()).args())
                .flatMap(args -> call(applyScript, campaignId, args))
                .doOnTerminate(() -> reads.forget(campaignId))
                .map(reply -> {
                    if (reply.size() > 2 && (Long) reply.get(2) == 1L) {
                        milestonesDue.accept(campaignId);
                    }
                    return (Long) reply.get(1) == 1L;
                });
    }

    /** Told the id of each campaign an applied batch left with a milestone not reached yet. */
    void onMilestonesDue(Consumer<String> listener) {
        this.milestonesDue = listener;
    }

    /**
     * Records a fundraiser's name and team; a new one shows with 0. A change of team moves its
     * whole net amount from the old team to the new one. Idempotent. A campaign without live
     * state is left alone: its rebuild reads the fundraiser from PostgreSQL.
     */
    public Mono<Void> putFundraiser(String campaignId, String fundraiserId, String displayName, String teamId) {
        return call(putFundraiserScript, campaignId, List.of(fundraiserId, displayName, teamId == null ? "" : teamId))
                .onErrorResume(LiveStateMissing.class, missing -> Mono.empty())
                .doOnTerminate(() -> reads.forget(campaignId))
                .then();
    }

    /** Records a team's name; a new team shows with 0. Idempotent; as {@link #putFundraiser} without state. */
    public Mono<Void> putTeam(String campaignId, String teamId, String name) {
        return call(putTeamScript, campaignId, List.of(teamId, name))
                .onErrorResume(LiveStateMissing.class, missing -> Mono.empty())
                .doOnTerminate(() -> reads.forget(campaignId))
                .then();
    }

    /** The campaign's totals; zeros and no {@code updatedAt} before anything was applied. */
    public Mono<Totals> totals(String campaignId) {
        return summary(campaignId).map(Summary::totals);
    }

    /** The campaign's totals and its viral mechanics, read together. */
    public record Summary(Totals totals, ViralState viral) {
    }

    public Mono<Summary> summary(String campaignId) {
        return call(totalsScript, campaignId, List.of()).map(reply -> {
            ViralState viral = ViralState.read((List<?>) reply.get(2));
            return new Summary(totals((List<?>) reply.get(1), viral), viral);
        });
    }

    private static Totals totals(List<?> reply, ViralState viral) {
        long shares = count(reply.get(3));
        return new Totals(count(reply.get(0)), count(reply.get(1)), count(reply.get(2)), shares,
                reply.get(4) == null ? null : Instant.ofEpochMilli(Long.parseLong((String) reply.get(4))),
                viral.sponsorMinor(shares));
    }

    /**
     * Saves fields of the campaign's viral hash ({@link ViralState}): definitions the organizer
     * saved in PostgreSQL, or milestones reached. A campaign without live state is left alone:
     * its rebuild reads them from PostgreSQL.
     */
    public Mono<Void> putViral(String campaignId, Map<String, String> fields) {
        if (fields.isEmpty()) {
            return Mono.empty();
        }
        List<String> args = new ArrayList<>(fields.size() * 2);
        fields.forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        return call(putViralScript, campaignId, args)
                .onErrorResume(LiveStateMissing.class, missing -> Mono.empty())
                .doOnTerminate(() -> reads.forget(campaignId))
                .then();
    }

    /** Saves a pledge's definition (see {@link #putViral}). */
    public Mono<Void> putPledge(String campaignId, Pledge pledge) {
        return putViral(campaignId, Map.of("p:" + pledge.id(), ViralState.pledgeJson(pledge)));
    }

    /** Saves a match's definition (see {@link #putViral}). */
    public Mono<Void> putMatch(String campaignId, Match match) {
        return putViral(campaignId, Map.of("m:" + match.id(), ViralState.matchJson(match)));
    }

    /** Saves a milestone's definition and, when reached, the time (see {@link #putViral}). */
    public Mono<Void> putMilestone(String campaignId, Milestone milestone) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("ms:" + milestone.id(), ViralState.milestoneJson(milestone));
        if (milestone.reachedAt() != null) {
            fields.put("r:" + milestone.id(), Long.toString(milestone.reachedAt().toEpochMilli()));
        }
        return putViral(campaignId, fields);
    }

    /**
     * Replaces a donation's feed entry by {@code entry} (moderation hid or showed its message).
     * Answers whether the feed held it; a campaign without live state answers false.
     */
    public Mono<Boolean> rewriteFeed(String campaignId, FeedEntry entry) {
        return Mono.fromCallable(() -> FeedJson.write(entry))
                .flatMap(json -> call(rewriteFeedScript, campaignId, List.of(entry.eventId(), json)))
                .map(reply -> (Long) reply.get(1) == 1L)
                .onErrorResume(LiveStateMissing.class, missing -> Mono.just(false))
                .doOnTerminate(() -> reads.forget(campaignId));
    }

    /**
     * One page of a board: score descending, ties by id ascending, standard competition ranks.
     * {@code now} ends the 60-minute window of the trending board (which never moves back).
     */
    public Mono<List<BoardEntry>> board(String campaignId, Board board, int offset, int limit, Instant now) {
        if (offset < 0 || limit < 1 || limit > MAX_LIMIT) {
            return Mono.error(new IllegalArgumentException(
                    "offset must be >= 0 and limit 1.." + MAX_LIMIT + ", got " + offset + " and " + limit));
        }
        return call(boardScript, campaignId, boardArgs(board, offset, limit, now))
                .map(reply -> entries((List<?>) reply.get(1)));
    }

    /** A board page's reply: its size, then rank, id, score, name per entry. */
    private static List<BoardEntry> entries(List<?> reply) {
        List<BoardEntry> entries = new ArrayList<>((reply.size() - 1) / 4);
        for (int i = 1; i + 3 < reply.size(); i += 4) {
            entries.add(new BoardEntry((Long) reply.get(i), (String) reply.get(i + 1), (String) reply.get(i + 3),
                    score(reply.get(i + 2))));
        }
        return entries;
    }

    /** How many entries the board has (for the trending board: with a positive amount in the window). */
    public Mono<Long> boardSize(String campaignId, Board board, Instant now) {
        return call(boardScript, campaignId, boardArgs(board, 0, 0, now))
                .map(reply -> (Long) ((List<?>) reply.get(1)).get(0));
    }

    /** Where the fundraiser stands on the fundraisers board; empty when it is not on it. */
    public Mono<Standing> standing(String campaignId, String fundraiserId) {
        return call(standingScript, campaignId, List.of(fundraiserId)).filter(reply -> reply.size() > 1)
                .map(reply -> {
                    long raised = score(reply.get(1));
                    Ahead ahead = null;
                    if (reply.get(4) != null) {
                        long score = score(reply.get(5));
                        ahead = new Ahead((String) reply.get(4), (String) reply.get(6), score, score - raised);
                    }
                    long shares = reply.get(2) == null ? 0 : score(reply.get(2));
                    long referred = reply.size() < 8 || reply.get(7) == null ? 0 : score(reply.get(7));
                    return new Standing(raised, shares, (Long) reply.get(3), ahead, referred);
                });
    }

    /**
     * What a live stream shows of the campaign, read in one atomic call: the totals, the first
     * {@code boardLimit} entries of every board and the newest {@code feedLimit} feed entries.
     */
    public Mono<LiveView> liveView(String campaignId, int boardLimit, int feedLimit, Instant now) {
        if (boardLimit < 1 || boardLimit > MAX_LIMIT || feedLimit < 1 || feedLimit > MAX_LIMIT) {
            return Mono.error(new IllegalArgumentException("limits must be 1.." + MAX_LIMIT + ", got " + boardLimit
                    + " and " + feedLimit));
        }
        List<String> args = List.of(Integer.toString(boardLimit), Integer.toString(feedLimit),
                Long.toString(Math.floorDiv(now.getEpochSecond(), 60)));
        return call(liveViewScript, campaignId, args).map(reply -> {
            Map<Board, List<BoardEntry>> boards = new EnumMap<>(Board.class);
            LIVE_VIEW_BOARDS.forEach((position, board) -> boards.put(board, entries((List<?>) reply.get(position))));
            List<FeedEntry> feed = ((List<?>) reply.get(6)).stream().map(entry -> FeedJson.read((String) entry))
                    .toList();
            ViralState viral = ViralState.read((List<?>) reply.get(8));
            return new LiveView(totals((List<?>) reply.get(1), viral), boards, feed, viral);
        });
    }

    /** The newest entries of the feed, newest first. */
    public Mono<List<FeedEntry>> feed(String campaignId, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            return Mono.error(new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit));
        }
        return call(feedScript, campaignId, List.of(Integer.toString(limit)))
                .map(reply -> ((List<?>) reply.get(1)).stream().map(entry -> FeedJson.read((String) entry)).toList());
    }

    /**
     * Replaces the campaign's whole state by {@code state}, which includes every batch up to
     * {@code batchId}: writes it under a fresh generation in bounded, pipelined chunks, then in one
     * script makes that generation current and unlinks the old one. Readers see the complete old
     * state or the complete new one, never a mix. Answers false, discarding what it wrote, when
     * the live generation has meanwhile applied a batch after {@code batchId}: the state is stale
     * and the caller must rebuild again (or stop applying while it rebuilds). Changes made by
     * {@link #putFundraiser} or {@link #putTeam} during a rebuild count only if {@code state} has them.
     */
    public Mono<Boolean> replace(String campaignId, CampaignState state, long batchId) {
        if (batchId < 0) {
            return Mono.error(new IllegalArgumentException("batchId must be >= 0, got " + batchId));
        }
        return Mono.fromCallable(() -> new StateBuild(state, batchId, clock.instant()))
                .flatMap(build -> redis.connected().thenMany(redis.template.execute(allocateScript,
                                List.of(LiveKeys.generationKey(campaignId), LiveKeys.lastGenerationKey(campaignId)),
                                List.of()))
                        .single()
                        .flatMap(generation -> writeAndSwap(campaignId, Long.toString(generation), build)))
                .doOnTerminate(() -> reads.forget(campaignId));
    }

    private Mono<Boolean> writeAndSwap(String campaignId, String generation, StateBuild build) {
        long deadline = clock.instant().plus(BUILD_DEADLINE).getEpochSecond();
        return Flux.fromIterable(build.chunks)
                .flatMap(chunk -> write(campaignId, generation, chunk, deadline), CHUNKS_IN_FLIGHT)
                .then(Mono.defer(() -> write(campaignId, generation, build.applied, deadline)))
                // Only before the flip: a flip whose answer was lost may have made these keys current.
                .onErrorResume(error -> redis.template.unlink(LiveKeys.generation(campaignId, generation)
                                .toArray(String[]::new))
                        .onErrorResume(cleanup -> {
                            // The keys expire on their own; the caller needs the first error.
                            error.addSuppressed(cleanup);
                            return Mono.empty();
                        })
                        .then(Mono.error(error)))
                .then(Mono.defer(() -> flip(campaignId, generation, build, 0)))
                .flatMap(flipped -> flipped == -1L
                        ? Mono.error(new IllegalStateException("Rebuild of campaign '" + campaignId
                                + "' took longer than " + BUILD_DEADLINE + "; its keys expired before the swap"))
                        : Mono.just(flipped == 1L));
    }

    private Mono<Long> flip(String campaignId, String fresh, StateBuild build, int tries) {
        String believed = generations.getOrDefault(campaignId, "");
        List<String> keys = new ArrayList<>(LiveKeys.scriptKeys(campaignId, believed.isEmpty() ? fresh : believed));
        keys.addAll(LiveKeys.generation(campaignId, fresh));
        List<String> args = new ArrayList<>(List.of(believed, fresh, Long.toString(build.batchId),
                Integer.toString(build.written.size())));
        build.written.forEach(name -> args.add(Integer.toString(LiveKeys.GENERATION_NAMES.indexOf(name) + 1)));
        return redis.template.execute(flipScript, keys, args).single().flatMap(reply -> {
            if ("stale".equals(reply.get(0))) {
                remember(campaignId, (String) reply.get(1));
                return tries < MAX_STALE_RETRIES ? flip(campaignId, fresh, build, tries + 1)
                        : Mono.error(new IllegalStateException("Campaign '" + campaignId
                                + "' changed generation during every try to swap its rebuild in"));
            }
            long outcome = (Long) reply.get(1);
            if (outcome == 1L) {
                generations.put(campaignId, fresh);
            }
            return Mono.just(outcome);
        });
    }

    private Mono<Long> write(String campaignId, String generation, StateBuild.Chunk chunk, long deadline) {
        List<String> args = new ArrayList<>(chunk.args().size() + 2);
        args.add(chunk.command());
        args.add(Long.toString(deadline));
        args.addAll(chunk.args());
        return redis.template.execute(writeChunkScript, List.of(LiveKeys.key(campaignId, generation, chunk.name())),
                args).single();
    }

    /**
     * Runs a campaign script against the generation this instance believes current, declaring
     * its keys; when another is current, again with that one. Answers the reply after its
     * status, or {@link LiveStateMissing}.
     */
    @SuppressWarnings("unchecked")
    private Mono<List<Object>> call(RedisScript<List> script, String campaignId, List<String> args) {
        return redis.connected().then(Mono.defer(() -> attempt(script, campaignId, args, 0)))
                .map(reply -> (List<Object>) reply);
    }

    @SuppressWarnings({ "rawtypes", "unchecked" })
    private Mono<List> attempt(RedisScript<List> script, String campaignId, List<String> args, int tries) {
        String known = generations.get(campaignId);
        Mono<String> generation = known != null ? Mono.just(known)
                : redis.template.opsForValue().get(LiveKeys.generationKey(campaignId))
                        .doOnNext(found -> remember(campaignId, found))
                        .switchIfEmpty(Mono.error(() -> new LiveStateMissing(campaignId)));
        return generation.flatMap(gen -> {
            List<String> argv = new ArrayList<>(args.size() + 1);
            argv.add(gen);
            argv.addAll(args);
            return redis.template.execute(script, LiveKeys.scriptKeys(campaignId, gen), argv).single();
        }).flatMap(reply -> switch ((String) reply.get(0)) {
            case "ok" -> Mono.<List>just(reply);
            case "missing" -> {
                generations.remove(campaignId);
                yield Mono.error(new LiveStateMissing(campaignId));
            }
            case "stale" -> {
                remember(campaignId, (String) reply.get(1));
                yield tries < MAX_STALE_RETRIES ? attempt(script, campaignId, args, tries + 1)
                        : Mono.error(new IllegalStateException("Campaign '" + campaignId
                                + "' changed generation during every try to read or write it"));
            }
            default -> Mono.error(new IllegalStateException("Unexpected reply from a live-state script: " + reply));
        });
    }

    private void remember(String campaignId, String generation) {
        if (generation == null || generation.isEmpty()) {
            generations.remove(campaignId);
        }
        else {
            generations.put(campaignId, generation);
        }
    }

    private static RedisScript<List> campaignScript(String name, String... libraries) {
        String[] withGeneration = new String[libraries.length + 1];
        withGeneration[0] = "generation";
        System.arraycopy(libraries, 0, withGeneration, 1, libraries.length);
        return LiveRedis.script(name, List.class, withGeneration);
    }

    private static List<String> boardArgs(Board board, int offset, int limit, Instant now) {
        return List.of(board.wire(), Integer.toString(offset), Integer.toString(limit),
                Long.toString(Math.floorDiv(now.getEpochSecond(), 60)));
    }

    /** Sorted-set scores hold whole minor units, exactly (below 2^53); Redis may print them in exponent form. */
    private static long score(Object score) {
        return new BigDecimal((String) score).longValueExact();
    }

    private static long count(Object value) {
        return value == null ? 0 : Long.parseLong((String) value);
    }
}
