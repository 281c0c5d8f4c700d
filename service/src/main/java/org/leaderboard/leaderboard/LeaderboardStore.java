package org.leaderboard.leaderboard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.MeterRegistry;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Owns the Redis side of the live aggregates: a campaign's totals, boards, trending buckets and
 * feed, all derived from the ledger. Every key of a campaign carries its id as hash tag and lives
 * under a generation ({@code lb:{c}:<gen>:<name>}, the current one named by {@code lb:{c}:gen}),
 * so that {@link #replace} can build a complete fresh state beside the live one and swap it in
 * one step. Every change is one Lua script that resolves the generation itself; a batch of events
 * is one script call, idempotent by batch id. No key is kept per event, so memory is bounded by
 * the number of fundraisers, not of events.
 */
@Component
public class LeaderboardStore implements DisposableBean {

    /** Entries the feed keeps; a read may ask for at most this many, as for a board page. */
    public static final int MAX_LIMIT = 100;

    /** The change notice of a campaign's own details; streams then re-read them, uncached. */
    public static final String CAMPAIGN_NOTICE = "campaign";

    static final String MARKER_KEY = "lb:epoch";
    /**
     * The token of the rebuild in progress; hash-tagged onto the marker's slot, since one script
     * reads it and sets the marker. A FLUSHDB or restart during the rebuild removes it.
     */
    static final String REBUILD_KEY = "{lb:epoch}:rebuilding";
    private static final RedisScript<Long> MARK_REBUILT = RedisScript.of("""
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then
                return 0
            end
            redis.call('SET', KEYS[2], ARGV[2])
            redis.call('DEL', KEYS[1])
            return 1
            """, Long.class);

    /** A trend bucket is needed for 60 minutes from its minute; one more is slack for clock skew. */
    private static final long TREND_LIFETIME_MINUTES = 61;

    /** Members or fields per command when a rebuild writes a large state. */
    private static final int CHUNK_SIZE = 500;

    private static final int CHUNKS_IN_FLIGHT = 8;

    /** How long the keys of an unfinished rebuild survive a crash of the instance writing them. */
    private static final Duration BUILD_DEADLINE = Duration.ofHours(1);

    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private final ReactiveStringRedisTemplate redis;
    /**
     * Completes once Lettuce's shared connection is open. Its first use connects synchronously,
     * so that happens here, on a thread allowed to block, never on an event loop; a failure is
     * not cached, the next call tries again.
     */
    private final Mono<Void> connected;
    private final JsonMapper json = JsonMapper.builder().build();
    /**
     * One pub/sub connection per instance, multiplexing every campaign's change channel. Created
     * on a thread allowed to block, like the shared connection; a failure is not cached.
     */
    private final Mono<ReactiveRedisMessageListenerContainer> listener;
    private volatile ReactiveRedisMessageListenerContainer createdListener;

    /** The read API's reads, shared among concurrent requests; every write here forgets its campaign's. */
    private final SharedReads reads;
    private final RedisScript<Long> applyScript = script("apply", Long.class);
    private final RedisScript<Long> putFundraiserScript = script("put-fundraiser", Long.class);
    private final RedisScript<Long> putTeamScript = script("put-team", Long.class);
    private final RedisScript<List> totalsScript = script("totals", List.class);
    private final RedisScript<List> boardScript = script("board", List.class, "lib/board-page");
    private final RedisScript<List> liveViewScript = script("live-view", List.class, "lib/board-page");
    private final RedisScript<List> standingScript = script("standing", List.class);
    private final RedisScript<List> feedScript = script("feed", List.class);
    private final RedisScript<List> statusScript = script("status", List.class);
    private final RedisScript<Long> allocateScript = script("allocate-generation", Long.class);
    private final RedisScript<Long> writeChunkScript = script("write-chunk", Long.class);
    private final RedisScript<Long> flipScript = script("flip-generation", Long.class);

    LeaderboardStore(ReactiveStringRedisTemplate redis, ReadProperties readProperties, MeterRegistry registry) {
        this.redis = redis;
        this.reads = new SharedReads(readProperties.maxAge(), System::nanoTime, registry);
        this.connected = Mono.fromCallable(() -> redis.getConnectionFactory().getReactiveConnection())
                .flatMap(ReactiveRedisConnection::closeLater)
                .subscribeOn(Schedulers.boundedElastic())
                .cache(done -> FOREVER, error -> Duration.ZERO, () -> FOREVER);
        this.listener = connected.then(Mono.fromCallable(() -> {
            ReactiveRedisMessageListenerContainer container =
                    new ReactiveRedisMessageListenerContainer(redis.getConnectionFactory());
            createdListener = container;
            return container;
        }).subscribeOn(Schedulers.boundedElastic()))
                .cache(done -> FOREVER, error -> Duration.ZERO, () -> FOREVER);
        // Build Jackson's (de)serializers now, on the start-up thread, not on an event loop.
        readFeedEntry(feedJson(new FeedEntry("warm-up", "Name", 1, "Message", "f", Instant.EPOCH)));
    }

    /**
     * Applies one batch of committed events to the campaign, in one atomic script: everything or
     * nothing, and at most once. Answers false, changing nothing, when the campaign has already
     * applied a batch with this id or a later one.
     */
    public Mono<Boolean> apply(String campaignId, long batchId, List<LiveEvent> events) {
        return Mono.defer(() -> run(applyScript, campaignId, new Fold(campaignId, batchId, events).args()))
                .doOnTerminate(() -> reads.forget(campaignId))
                .map(applied -> applied == 1L);
    }

    /**
     * Records a fundraiser's name and team; a new one shows with 0. A change of team moves its
     * whole net amount from the old team to the new one. Idempotent.
     */
    public Mono<Void> putFundraiser(String campaignId, String fundraiserId, String displayName, String teamId) {
        return run(putFundraiserScript, campaignId, List.of(fundraiserId, displayName, teamId == null ? "" : teamId))
                .doOnTerminate(() -> reads.forget(campaignId))
                .then();
    }

    /**
     * Tells every instance's live streams that the campaign changed outside Redis (its title or
     * goal, in PostgreSQL), on the channel the scripts publish on; the message names what changed.
     */
    public Mono<Void> publishChange(String campaignId, String what) {
        return connected.then(redis.convertAndSend(changeChannel(campaignId), what))
                .doOnTerminate(() -> reads.forget(campaignId)).then();
    }

    /** Records a team's name; a new team shows with 0. Idempotent. */
    public Mono<Void> putTeam(String campaignId, String teamId, String name) {
        return run(putTeamScript, campaignId, List.of(teamId, name)).doOnTerminate(() -> reads.forget(campaignId))
                .then();
    }

    /**
     * What {@code read} answers for the campaign, shared among concurrent requests exactly as the
     * figures are (at most {@code leaderboard.read.max-age} old, forgotten on every write this
     * instance makes to the campaign): for a rendered answer built from them, so that a surge of
     * identical requests also shares the work of rendering. {@code key} starts with "render:".
     */
    public <T> Mono<T> shared(String campaignId, String key, Supplier<Mono<T>> read) {
        if (!key.startsWith("render:")) {
            throw new IllegalArgumentException("A shared rendering's key starts with render:, got " + key);
        }
        return reads.render(campaignId, key, read);
    }

    /** The campaign's totals; zeros and no {@code updatedAt} before anything was applied. */
    public Mono<Totals> totals(String campaignId) {
        return reads.read(campaignId, "totals",
                () -> list(totalsScript, campaignId, List.of()).map(LeaderboardStore::totals));
    }

    private static Totals totals(List<?> reply) {
        return new Totals(count(reply.get(0)), count(reply.get(1)), count(reply.get(2)), count(reply.get(3)),
                reply.get(4) == null ? null : Instant.ofEpochMilli(Long.parseLong((String) reply.get(4))));
    }

    /**
     * One page of a board: score descending, ties by id ascending, standard competition ranks.
     * {@code now} places the 60-minute window of the trending board.
     */
    public Mono<List<BoardEntry>> board(String campaignId, Board board, int offset, int limit, Instant now) {
        if (offset < 0 || limit < 1 || limit > MAX_LIMIT) {
            return Mono.error(new IllegalArgumentException(
                    "offset must be >= 0 and limit 1.." + MAX_LIMIT + ", got " + offset + " and " + limit));
        }
        // The arguments name the page and the minute the trending window ends in: a read shared
        // within max-age is one of the same window.
        List<String> args = boardArgs(board, offset, limit, now);
        return reads.read(campaignId, "board:" + String.join(":", args),
                () -> list(boardScript, campaignId, args).map(LeaderboardStore::entries));
    }

    /** A board script's reply: its size, then rank, id, score, name per entry. */
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
        return list(boardScript, campaignId, boardArgs(board, 0, 0, now)).map(reply -> (Long) reply.get(0));
    }

    /** Where the fundraiser stands on the fundraisers board; empty when it is not on it. */
    public Mono<Standing> standing(String campaignId, String fundraiserId) {
        return reads.read(campaignId, "standing:" + fundraiserId, () -> standingFromRedis(campaignId, fundraiserId));
    }

    /**
     * Where the fundraiser stands right now, read from Redis unshared: for a live stream that
     * reads because of a change notice, which a read shared from before the change would miss.
     */
    public Mono<Standing> standingNow(String campaignId, String fundraiserId) {
        return standingFromRedis(campaignId, fundraiserId);
    }

    private Mono<Standing> standingFromRedis(String campaignId, String fundraiserId) {
        return list(standingScript, campaignId, List.of(fundraiserId)).filter(reply -> !reply.isEmpty())
                .map(reply -> {
                    long raised = score(reply.get(0));
                    Ahead ahead = null;
                    if (reply.get(3) != null) {
                        long score = score(reply.get(4));
                        ahead = new Ahead((String) reply.get(3), (String) reply.get(5), score, score - raised);
                    }
                    long shares = reply.get(1) == null ? 0 : score(reply.get(1));
                    return new Standing(raised, shares, (Long) reply.get(2), ahead);
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
        return list(liveViewScript, campaignId, args).map(reply -> {
            Map<Board, List<BoardEntry>> boards = new EnumMap<>(Board.class);
            Board[] order = { Board.FUNDRAISERS, Board.TEAMS, Board.SHARERS, Board.TRENDING };
            for (int b = 0; b < order.length; b++) {
                boards.put(order[b], entries((List<?>) reply.get(1 + b)));
            }
            List<FeedEntry> feed = ((List<?>) reply.get(5)).stream().map(entry -> readFeedEntry((String) entry))
                    .toList();
            return new LiveView(totals((List<?>) reply.get(0)), boards, feed);
        });
    }

    /**
     * Notices that the campaign's live figures changed: every script that changes them publishes
     * one on {@code lb:{c}:changed}, whichever instance ran it. Hot and lossy (pub/sub): a notice
     * sent while this instance was disconnected is gone, so readers also refresh now and then.
     * Completes never; errors when the subscription fails.
     */
    public Flux<String> changes(String campaignId) {
        return listener.flatMapMany(container -> container.receive(ChannelTopic.of(changeChannel(campaignId))))
                .map(message -> message.getMessage());
    }

    @Override
    public void destroy() {
        ReactiveRedisMessageListenerContainer container = createdListener;
        if (container != null) {
            container.destroy();
        }
    }

    static String changeChannel(String campaignId) {
        return "lb:{" + campaignId + "}:changed";
    }

    /** The newest entries of the feed, newest first. */
    public Mono<List<FeedEntry>> feed(String campaignId, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            return Mono.error(new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit));
        }
        return reads.read(campaignId, "feed:" + limit, () -> list(feedScript, campaignId,
                List.of(Integer.toString(limit))).map(reply -> reply.stream().map(entry -> readFeedEntry((String) entry)).toList()));
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
        return Mono.fromCallable(() -> new Build(state, batchId))
                .flatMap(build -> run(allocateScript, campaignId, List.of())
                        .flatMap(generation -> writeAndSwap(campaignId, generation, build)))
                .doOnTerminate(() -> reads.forget(campaignId));
    }

    private Mono<Boolean> writeAndSwap(String campaignId, long generation, Build build) {
        long deadline = Instant.now().plus(BUILD_DEADLINE).getEpochSecond();
        return Flux.fromIterable(build.chunks)
                .flatMap(chunk -> write(campaignId, generation, chunk, deadline), CHUNKS_IN_FLIGHT)
                .then(Mono.defer(() -> write(campaignId, generation, build.applied, deadline)))
                // Only before the flip: a flip whose answer was lost may have made these keys current.
                .onErrorResume(error -> connected.then(redis.unlink(build.names.stream()
                        .map(name -> key(campaignId, generation, name)).toArray(String[]::new)))
                        .onErrorResume(cleanup -> {
                            // The keys expire on their own; the caller needs the first error.
                            error.addSuppressed(cleanup);
                            return Mono.empty();
                        })
                        .then(Mono.error(error)))
                .then(Mono.defer(() -> run(flipScript, campaignId, build.flipArgs(generation))))
                .flatMap(flipped -> flipped == -1L
                        ? Mono.error(new IllegalStateException("Rebuild of campaign '" + campaignId
                                + "' took longer than " + BUILD_DEADLINE + "; its keys expired before the swap"))
                        : Mono.just(flipped == 1L));
    }

    /** Whether the campaign's current generation has applied a batch or been rebuilt. */
    public Mono<Boolean> isInitialized(String campaignId) {
        return list(statusScript, campaignId, List.of()).map(reply -> reply.get(1) != null);
    }

    /** The id of the last batch applied to the campaign (or rebuilt into it); empty when none. */
    public Mono<Long> appliedBatch(String campaignId) {
        return list(statusScript, campaignId, List.of()).filter(reply -> reply.get(1) != null)
                .map(reply -> Long.parseLong((String) reply.get(1)));
    }

    /** Whether the global marker is present; gone means Redis lost its data and every campaign needs a rebuild. */
    public Mono<Boolean> marker() {
        return connected.then(redis.hasKey(MARKER_KEY));
    }

    /** The global marker's value; empty when it is gone. */
    public Mono<String> markerValue() {
        return connected.then(redis.opsForValue().get(MARKER_KEY));
    }

    public Mono<Void> deleteMarker() {
        return connected.then(redis.delete(MARKER_KEY)).then();
    }

    public Mono<Void> setMarker(String value) {
        return connected.then(redis.opsForValue().set(MARKER_KEY, value)).then();
    }

    /** Notes in Redis that the rebuild {@code token} has started (for {@link #markRebuilt}). */
    public Mono<Void> beginRebuild(String token) {
        return connected.then(redis.opsForValue().set(REBUILD_KEY, token, Duration.ofHours(1))).then();
    }

    /**
     * Sets the marker to {@code value} if the rebuild {@code token} began in this Redis and it has
     * kept its data since ({@link #beginRebuild}); answers false, setting nothing, when Redis was
     * flushed or restarted meanwhile: what the rebuild swapped in before that is gone.
     */
    public Mono<Boolean> markRebuilt(String token, String value) {
        return connected.thenMany(redis.execute(MARK_REBUILT, List.of(REBUILD_KEY, MARKER_KEY), List.of(token, value)))
                .single().map(flipped -> flipped == 1L);
    }

    private <T> Mono<T> run(RedisScript<T> script, String campaignId, List<String> args) {
        return connected.thenMany(redis.execute(script, List.of(generationKey(campaignId)), args)).single();
    }

    @SuppressWarnings("unchecked")
    private Mono<List<Object>> list(RedisScript<List> script, String campaignId, List<String> args) {
        return run(script, campaignId, args).map(reply -> (List<Object>) reply);
    }

    private Mono<Long> write(String campaignId, long generation, Chunk chunk, long deadline) {
        List<String> args = new ArrayList<>(chunk.args.size() + 2);
        args.add(chunk.command);
        args.add(Long.toString(chunk.expireAt == 0 ? deadline : chunk.expireAt));
        args.addAll(chunk.args);
        return connected.thenMany(redis.execute(writeChunkScript, List.of(key(campaignId, generation, chunk.name)),
                args)).single();
    }

    private static List<String> boardArgs(Board board, int offset, int limit, Instant now) {
        return List.of(board.wire(), Integer.toString(offset), Integer.toString(limit),
                Long.toString(Math.floorDiv(now.getEpochSecond(), 60)));
    }

    static String generationKey(String campaignId) {
        return "lb:{" + campaignId + "}:gen";
    }

    private static String key(String campaignId, long generation, String name) {
        return "lb:{" + campaignId + "}:" + generation + ":" + name;
    }

    /** Sorted-set scores hold whole minor units, exactly (below 2^53); Redis may print them in exponent form. */
    private static long score(Object score) {
        return new BigDecimal((String) score).longValueExact();
    }

    private static long count(Object value) {
        return value == null ? 0 : Long.parseLong((String) value);
    }

    private static long trendExpiry(long minute) {
        return (minute + TREND_LIFETIME_MINUTES) * 60;
    }

    private String feedJson(FeedEntry entry) {
        return json.writeValueAsString(new StoredFeedEntry(entry.eventId(), entry.name(), entry.amountMinor(),
                entry.message(), entry.fundraiserId(), entry.at() == null ? null : entry.at().toString()));
    }

    private FeedEntry readFeedEntry(String text) {
        StoredFeedEntry stored = json.readValue(text, StoredFeedEntry.class);
        return new FeedEntry(stored.eventId(), stored.name(), stored.amountMinor(), stored.message(),
                stored.fundraiserId(), stored.at() == null ? null : Instant.parse(stored.at()));
    }

    /**
     * A feed entry as stored in Redis: its own fixed JSON form, independent of how the web layer
     * is configured to write JSON.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record StoredFeedEntry(String eventId, String name, long amountMinor, String message,
            String fundraiserId, String at) {
    }

    /** The script {@code redis/<name>.lua}, preceded by the shared functions of {@code libraries} it calls. */
    private static <T> RedisScript<T> script(String name, Class<T> resultType, String... libraries) {
        // Read once here, digest included: a script backed by a Resource re-checks the file on
        // every call, which would be blocking I/O on an event loop.
        StringBuilder text = new StringBuilder();
        for (String part : libraries) {
            text.append(luaSource(part)).append('\n');
        }
        RedisScript<T> script = RedisScript.of(text.append(luaSource(name)).toString(), resultType);
        script.getSha1();
        return script;
    }

    private static String luaSource(String name) {
        ClassPathResource resource = new ClassPathResource("redis/" + name + ".lua");
        try {
            return resource.getContentAsString(StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read " + resource, ex);
        }
    }

    /**
     * A batch folded into the deltas the apply script takes. Sums commute, so folding keeps the
     * result of applying event by event; the feed keeps the donations' order.
     */
    private final class Fold {

        private final long batchId;
        private long raised;
        private long donations;
        private long refunded;
        private long shares;
        private Instant updatedAt;
        private final Map<String, Long> raisedBy = new LinkedHashMap<>();
        private final Map<String, Long> sharesBy = new LinkedHashMap<>();
        private final Map<Long, Map<String, Long>> trend = new TreeMap<>();
        /** The newest donations, serialized only in {@link #args()}: a large page keeps 100 of many. */
        private final Deque<FeedEntry> feed = new ArrayDeque<>();

        Fold(String campaignId, long batchId, List<LiveEvent> events) {
            if (batchId < 0) {
                throw new IllegalArgumentException("batchId must be >= 0, got " + batchId);
            }
            this.batchId = batchId;
            for (LiveEvent event : events) {
                if (!campaignId.equals(event.campaignId()) || event.amountMinor() < 0 || event.recordedAt() == null) {
                    throw new IllegalArgumentException("Event " + event.eventId() + " cannot be applied to campaign '"
                            + campaignId + "': " + event);
                }
                add(event);
                updatedAt = event.recordedAt();
            }
        }

        private void add(LiveEvent event) {
            String fundraiser = event.fundraiserId();
            long amount = event.amountMinor();
            switch (event.type()) {
                case "donation" -> {
                    raised = Math.addExact(raised, amount);
                    donations++;
                    if (fundraiser != null) {
                        raisedBy.merge(fundraiser, amount, Math::addExact);
                        inTrend(event, amount);
                    }
                    feed.addLast(new FeedEntry(event.eventId(), event.anonymous() ? null : event.donorName(),
                            amount, event.message(), fundraiser, event.occurredAt()));
                    if (feed.size() > MAX_LIMIT) {
                        feed.removeFirst();
                    }
                }
                case "refund" -> {
                    raised = Math.subtractExact(raised, amount);
                    refunded = Math.addExact(refunded, amount);
                    if (fundraiser != null) {
                        raisedBy.merge(fundraiser, -amount, Math::addExact);
                        inTrend(event, -amount);
                    }
                }
                case "share" -> {
                    shares++;
                    if (fundraiser != null) {
                        sharesBy.merge(fundraiser, 1L, Math::addExact);
                    }
                }
                default -> throw new IllegalArgumentException("Unknown event type " + event.type());
            }
        }

        private void inTrend(LiveEvent event, long amount) {
            long minute = Math.floorDiv(event.recordedAt().getEpochSecond(), 60);
            trend.computeIfAbsent(minute, m -> new LinkedHashMap<>())
                    .merge(event.fundraiserId(), amount, Math::addExact);
        }

        List<String> args() {
            List<String> args = new ArrayList<>();
            args.add(Long.toString(batchId));
            args.add(Long.toString(raised));
            args.add(Long.toString(donations));
            args.add(Long.toString(refunded));
            args.add(Long.toString(shares));
            args.add(updatedAt == null ? "" : Long.toString(updatedAt.toEpochMilli()));
            addDeltas(args, raisedBy);
            addDeltas(args, sharesBy);
            args.add(Integer.toString(trend.size()));
            trend.forEach((minute, deltas) -> {
                args.add(Long.toString(minute));
                args.add(Long.toString(trendExpiry(minute)));
                addDeltas(args, deltas);
            });
            args.add(Integer.toString(feed.size()));
            for (FeedEntry entry : feed) {
                args.add(feedJson(entry));
            }
            return args;
        }

        private static void addDeltas(List<String> args, Map<String, Long> deltas) {
            args.add(Integer.toString(deltas.size()));
            deltas.forEach((id, delta) -> {
                args.add(id);
                args.add(Long.toString(delta));
            });
        }
    }

    /**
     * One command of a rebuild, for the write-chunk script, on the key {@code name} of the fresh
     * generation; {@code expireAt} 0 means the build deadline.
     */
    private record Chunk(String name, String command, long expireAt, List<String> args) {
    }

    /**
     * The chunks that write a campaign state under a fresh generation, prepared before the
     * generation is known so that none of this work runs on a Redis event loop.
     */
    private final class Build {

        private final long batchId;
        private final List<Chunk> chunks = new ArrayList<>();
        /** The name of every key written, trend buckets included: what to unlink if the rebuild fails. */
        private final Set<String> names = new LinkedHashSet<>();
        /** The names of the generation's fixed keys that were written, which must all exist at the swap. */
        private final Set<String> written = new LinkedHashSet<>();
        private final Chunk applied;

        Build(CampaignState state, long batchId) {
            this.batchId = batchId;

            Totals totals = state.totals() == null ? Totals.NONE : state.totals();
            List<String> fields = new ArrayList<>(List.of("raisedMinor", Long.toString(totals.raisedMinor()),
                    "donationCount", Long.toString(totals.donationCount()),
                    "refundedMinor", Long.toString(totals.refundedMinor()),
                    "shareCount", Long.toString(totals.shareCount())));
            if (totals.updatedAt() != null) {
                fields.addAll(List.of("updatedAt", Long.toString(totals.updatedAt().toEpochMilli())));
            }
            add("totals", "HSET", 0, fields);

            Map<String, String> fundraiserNames = orEmpty(state.fundraiserNames());
            Map<String, String> teamNames = orEmpty(state.teamNames());
            Map<String, String> teamOf = orEmpty(state.teamOf());
            // As after putFundraiser and putTeam, every known fundraiser and team is on its boards.
            zset("fundraisers", union(fundraiserNames.keySet(), orEmpty(state.fundraiserRaised())));
            zset("sharers", union(fundraiserNames.keySet(), orEmpty(state.fundraiserShares())));
            Map<String, Long> teams = union(teamNames.keySet(), orEmpty(state.teamRaised()));
            teamOf.values().forEach(team -> teams.putIfAbsent(team, 0L));
            zset("teams", teams);

            List<String> labels = new ArrayList<>();
            fundraiserNames.forEach((id, name) -> labels.addAll(List.of("f:" + id, name)));
            teamNames.forEach((id, name) -> labels.addAll(List.of("t:" + id, name)));
            chunked("names", "HSET", 0, labels, 2);
            List<String> memberships = new ArrayList<>();
            teamOf.forEach((fundraiser, team) -> memberships.addAll(List.of(fundraiser, team)));
            chunked("teamof", "HSET", 0, memberships, 2);

            long nowSeconds = Instant.now().getEpochSecond();
            List<String> buckets = new ArrayList<>();
            orEmpty(state.trendBuckets()).forEach((minute, amounts) -> {
                // A bucket past its lifetime would expire at once: it no longer counts anywhere.
                if (trendExpiry(minute) > nowSeconds && !amounts.isEmpty()) {
                    chunked("trend:" + minute, "ZADD", trendExpiry(minute), members(amounts), 2);
                    buckets.addAll(List.of(Long.toString(minute), Long.toString(minute)));
                }
            });
            chunked("buckets", "ZADD", 0, buckets, 2);

            List<FeedEntry> feed = state.feedNewestFirst() == null ? List.of() : state.feedNewestFirst();
            chunked("feed", "RPUSH", 0,
                    feed.stream().limit(MAX_LIMIT).map(LeaderboardStore.this::feedJson).toList(), 1);

            names.add("applied");
            written.add("applied");
            applied = new Chunk("applied", "SET", 0, List.of(Long.toString(batchId)));
        }

        List<String> flipArgs(long generation) {
            List<String> args = new ArrayList<>();
            args.add(Long.toString(generation));
            args.add(Long.toString(batchId));
            args.add(Integer.toString(written.size()));
            args.addAll(written);
            return args;
        }

        private void zset(String name, Map<String, Long> scores) {
            chunked(name, "ZADD", 0, members(scores), 2);
        }

        /** Splits flat arguments, {@code width} per member or field, into chunks of {@link #CHUNK_SIZE}. */
        private void chunked(String name, String command, long expireAt, List<String> args, int width) {
            int step = CHUNK_SIZE * width;
            for (int from = 0; from < args.size(); from += step) {
                add(name, command, expireAt, args.subList(from, Math.min(args.size(), from + step)));
            }
        }

        private void add(String name, String command, long expireAt, List<String> args) {
            chunks.add(new Chunk(name, command, expireAt, args));
            names.add(name);
            if (expireAt == 0) {
                written.add(name);
            }
        }

        private static List<String> members(Map<String, Long> scores) {
            List<String> args = new ArrayList<>(scores.size() * 2);
            scores.forEach((id, score) -> {
                args.add(Long.toString(score));
                args.add(id);
            });
            return args;
        }

        private static Map<String, Long> union(Set<String> ids, Map<String, Long> scores) {
            Map<String, Long> all = new LinkedHashMap<>(scores);
            ids.forEach(id -> all.putIfAbsent(id, 0L));
            return all;
        }

        private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
            return map == null ? Map.of() : map;
        }
    }
}
