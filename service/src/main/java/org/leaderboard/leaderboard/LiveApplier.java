package org.leaderboard.leaderboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.campaign.Fundraiser;
import org.leaderboard.campaign.Team;
import org.leaderboard.ledger.LedgerStore;
import org.leaderboard.ledger.LedgerTail;
import org.leaderboard.ledger.LedgerTail.Progress;
import org.leaderboard.ledger.LedgerTail.TailEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Keeps Redis in step with the ledger. A single loop per instance applies committed events page
 * by page (each page one idempotent Lua call per campaign, numbered by a batch id Redis
 * remembers), and only the instance holding the progress row's lock applies at a time. A second
 * loop watches a marker key: when Redis lost its data it rebuilds everything from the ledger.
 */
@Component
class LiveApplier implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LiveApplier.class);
    private static final Duration DIRECTORY_MARGIN = Duration.ofMinutes(1);
    private static final int MAX_STEPS_PER_DRAIN = 1000;
    /** How far back a rebuild reads the trend buckets (the trending board's hour and a minute). */
    private static final Duration TREND_READ = Duration.ofMinutes(61);
    /**
     * A backlog is caught up by aggregates only when it is at least this share (1/n) of the ledger:
     * the aggregate pass reads the whole ledger, but at several times the rate page by page applies.
     */
    private static final long CATCH_UP_LEDGER_SHARE = 10;
    /** Directory saves re-sent to Redis at once after a rebuild. */
    private static final int REAPPLY_CONCURRENCY = 32;

    private final LedgerTail tail;
    private final LedgerStore ledger;
    private final LeaderboardStore store;
    private final RebuildMarker marker;
    private final LiveProperties properties;
    private final TransactionalOperator tx;
    private final Clock clock;
    private final CampaignDirectory directory;
    private final ViralDefinitions viral;
    private final MilestoneWatch milestones;
    private final Timer applyLag;
    private final Counter appliedEvents;
    private final Counter rebuilds;
    private final Counter catchUps;
    private final AtomicReference<Mono<RebuildResult>> runningRebuild = new AtomicReference<>();
    private final AtomicInteger rebuildsWaiting = new AtomicInteger();
    private volatile Disposable loops = Disposables.disposed();

    /** What a rebuild recomputed. */
    record RebuildResult(int campaigns, long events) {
    }

    LiveApplier(LedgerTail tail, LedgerStore ledger, LeaderboardStore store, LiveProperties properties,
            ReactiveTransactionManager transactionManager, Clock clock, MeterRegistry registry,
            CampaignDirectory directory, RebuildMarker marker, ViralDefinitions viral, MilestoneWatch milestones) {
        this.directory = directory;
        this.viral = viral;
        this.milestones = milestones;
        this.marker = marker;
        this.tail = tail;
        this.ledger = ledger;
        this.store = store;
        this.properties = properties;
        this.tx = TransactionalOperator.create(transactionManager);
        this.clock = clock;
        this.applyLag = Timer.builder("leaderboard.live.apply.lag")
                .description("From an event's commit to its application in Redis")
                .publishPercentileHistogram()
                .register(registry);
        this.appliedEvents = Counter.builder("leaderboard.live.applied.events")
                .description("Ledger events applied to the live aggregates")
                .register(registry);
        this.rebuilds = Counter.builder("leaderboard.live.rebuilds")
                .description("Rebuilds of every live aggregate from the ledger")
                .register(registry);
        this.catchUps = Counter.builder("leaderboard.live.catch.ups")
                .description("Backlogs caught up by aggregates (a rebuild in the applier's step) instead of page by page")
                .register(registry);
    }

    @Override
    public void start() {
        // Commits wake the applier early, at most about once per wake gap (20 ms): the first of
        // a quiet spell at once, the last of a gap at its end, so an isolated gift is applied at
        // once and a steady trickle a few times per tick; under a surge steps run back to back
        // (one waiting wake-up at most), each taking all that was committed meanwhile in one large
        // page rather than paying two transactions for a handful of rows.
        Flux<Integer> commits = ledger.commits().share();
        Disposable apply = !properties.applyEnabled() ? Disposables.disposed()
                : Flux.merge(Flux.interval(properties.applyInterval()).map(tick -> 0),
                                commits.sampleFirst(properties.commitWakeGap()),
                                commits.sample(properties.commitWakeGap()))
                        .onBackpressureLatest()
                        .concatMap(signal -> drain().onErrorResume(error -> {
                            log.warn("Applying ledger events to Redis failed, will retry: {}", error.toString());
                            return Mono.delay(Duration.ofSeconds(1)).then();
                        }), 1)
                        .subscribe();
        Disposable watch = Flux.interval(Duration.ZERO, properties.markerCheckInterval())
                .onBackpressureDrop()
                .concatMap(tick -> marker.present()
                        .filter(present -> !present)
                        .flatMap(missing -> rebuild("Redis holds no live state", true))
                        .then()
                        .onErrorResume(error -> {
                            log.warn("Checking or rebuilding the live state failed, will retry: {}", error.toString());
                            return Mono.empty();
                        }), 1)
                .subscribe();
        loops = Disposables.composite(apply, watch);
    }

    @Override
    public void stop() {
        loops.dispose();
    }

    @Override
    public boolean isRunning() {
        return !loops.isDisposed();
    }

    /**
     * Applies pages until the ledger has nothing more to give, but yields (leaving the rest to
     * the next wake-up) to a rebuild of this instance waiting for the progress row, and after
     * {@link #MAX_STEPS_PER_DRAIN} transactions in a row, so that a rebuild elsewhere gets the
     * row too: PostgreSQL does not queue a waiting locker ahead of one that finds the row free.
     */
    Mono<Void> drain() {
        AtomicInteger steps = new AtomicInteger();
        return applyPage()
                .expand(more -> more && rebuildsWaiting.get() == 0 && steps.incrementAndGet() < MAX_STEPS_PER_DRAIN
                        ? applyPage() : Mono.empty())
                .then();
    }

    /**
     * Applies one page; answers whether there may be more. A page is fixed by (prev, cur,
     * cursor) in the progress row before any of it reaches Redis, so its batch id always names
     * the same rows: a retry after a failure between Redis and the commit re-applies exactly
     * that page, which Redis then skips where it already landed. A step that finds a backlog
     * too large to apply page by page catches it up by aggregates instead ({@link #catchUp}).
     */
    private Mono<Boolean> applyPage() {
        return Mono.defer(() -> {
            AtomicReference<Instant> caughtUp = new AtomicReference<>();
            Mono<Boolean> step = tail.lockProgress(false).flatMap(progress -> {
                if (progress.cur() == null) {
                    return tail.nextStep(progress.prev(), properties.pageSize()).flatMap(next -> {
                        if (byAggregates(next)) {
                            caughtUp.set(clock.instant());
                            return catchUp(progress, next);
                        }
                        return openPage(progress.prev(), next.snapshot(), progress.batchId(), false);
                    });
                }
                return tail.page(progress.prev(), progress.cur(), progress.cursorSeq(), properties.pageSize())
                        .flatMap(events -> applyEvents(progress, progress.cur(), events));
            });
            return step.as(tx::transactional).defaultIfEmpty(false)
                    .flatMap(more -> caughtUp.get() == null ? Mono.just(more)
                            : reapplyDirectoryChanges(caughtUp.get().minus(DIRECTORY_MARGIN))
                                    .then(reapplyViral())
                                    .thenReturn(more));
        });
    }

    /**
     * Whether the events after a step's snapshot are better caught up by aggregates: at least the
     * configured number, and at least {@link #CATCH_UP_LEDGER_SHARE} of the ledger (the aggregate
     * pass reads all of it, page by page reads only the backlog but costs far more per row).
     */
    private boolean byAggregates(LedgerTail.NextStep next) {
        return next.backlog() >= properties.catchUpThreshold()
                && next.backlog() * CATCH_UP_LEDGER_SHARE >= next.ledgerRows();
    }

    /**
     * Catches up a large backlog (events committed while no applier ran, or faster than it
     * applied them) in one pass by aggregates, as a rebuild does, in this step's transaction which
     * holds the progress row: every campaign's state as of the current snapshot is computed from
     * the ledger and swapped in under the next batch id, so whatever of the backlog some campaign
     * had already applied is replaced, not added to; the progress row then starts at that
     * snapshot. A failure drops the marker (some campaigns may be swapped while the progress row
     * rolls back), so the watcher rebuilds everything.
     */
    private Mono<Boolean> catchUp(Progress progress, LedgerTail.NextStep next) {
        log.info("Catching up a backlog of about {} events (ledger of about {}) by aggregates", next.backlog(),
                next.ledgerRows());
        return tail.rebuildSettings()
                .then(rebuildLocked(progress))
                .doOnSuccess(result -> {
                    catchUps.increment();
                    log.info("Caught up by aggregates: {} campaigns, {} events", result.campaigns(), result.events());
                })
                .onErrorResume(error -> marker.delete()
                        .onErrorResume(markerError -> Mono.empty())
                        .then(Mono.error(error)))
                .thenReturn(true);
    }

    /**
     * Takes a new snapshot and, when it shows unapplied events, records it as the next page;
     * answers whether it did. A step ends with this inside its own transaction: the next page is
     * fixed in the progress row in the commit that records the last one applied, and reaches
     * Redis only in the next transaction, so under a surge a step is one transaction, not two (one
     * opening the page, one applying it). {@code stepEnded}: the snapshot {@code prev} was just
     * applied, and is recorded as done even when nothing follows it yet.
     */
    private Mono<Boolean> openPage(String prev, String cur, long batchId, boolean stepEnded) {
        return tail.page(prev, cur, 0, 1).flatMap(first -> {
            if (!first.isEmpty()) {
                return tail.saveProgress(new Progress(prev, cur, 0, batchId)).thenReturn(true);
            }
            // Nothing new: the step that ended is recorded as done (a row already
            // showing no open page is left as it is).
            return stepEnded ? tail.saveProgress(new Progress(prev, null, 0, batchId)).thenReturn(false)
                    : Mono.just(false);
        });
    }

    /**
     * The end of a step that applied {@code prev}: opens the next page, or, when a large backlog
     * follows, records the step as done and leaves the backlog to the next step, which catches
     * it up by aggregates.
     */
    private Mono<Boolean> endStep(String prev, long batchId) {
        return tail.nextStep(prev, properties.pageSize()).flatMap(next -> byAggregates(next)
                ? tail.saveProgress(new Progress(prev, null, 0, batchId)).thenReturn(true)
                : openPage(prev, next.snapshot(), batchId, true));
    }

    private Mono<Boolean> applyEvents(Progress progress, String cur, List<TailEvent> events) {
        if (events.isEmpty()) {
            // The last page of the snapshot was full: the step ends here; its snapshot being
            // clamped, rows may lie past it, which the next page, opened now, holds.
            return endStep(cur, progress.batchId());
        }
        long batch = progress.batchId() + 1;
        boolean full = events.size() == properties.pageSize();
        Map<String, List<LiveEvent>> byCampaign = new LinkedHashMap<>();
        for (TailEvent e : events) {
            byCampaign.computeIfAbsent(e.campaignId(), c -> new ArrayList<>()).add(live(e));
        }
        // More pages of this snapshot (drain on), or the step's end, where the next page is opened
        // in the same transaction: when it shows events the drain goes on with it, else it stops
        // until the next commit or poll wakes it.
        Mono<Boolean> next = full
                ? tail.saveProgress(new Progress(progress.prev(), cur, events.get(events.size() - 1).seq(), batch))
                        .thenReturn(true)
                : endStep(cur, batch);
        return Flux.fromIterable(byCampaign.entrySet())
                .flatMap(entry -> store.apply(entry.getKey(), batch, entry.getValue())
                        .onErrorResume(LiveStateMissing.class, missing -> stateMissing(missing)),
                        properties.applyConcurrency())
                .then(Mono.fromRunnable(() -> {
                    Instant now = clock.instant();
                    appliedEvents.increment(events.size());
                    for (TailEvent e : events) {
                        applyLag.record(Duration.between(e.recordedAt(), now));
                    }
                }))
                .then(next);
    }

    /**
     * A campaign of the page has no live state: Redis lost it. Applying onto nothing would show
     * partial figures as whole, so the page fails (its transaction rolls back, to be applied again)
     * and the marker goes, so that the watcher rebuilds everything from the ledger first.
     */
    private Mono<Boolean> stateMissing(LiveStateMissing missing) {
        return marker.delete().then(Mono.error(missing));
    }

    /**
     * Recomputes every live aggregate from the ledger as of one snapshot and swaps it in, campaign
     * by campaign, while the applier waits. Concurrent calls share one run (one the watcher
     * started and found needless is followed by one of this call's own).
     */
    Mono<RebuildResult> rebuild(String reason) {
        return Mono.defer(() -> rebuild(reason, false)).repeatWhenEmpty(3, repeats -> repeats);
    }

    /**
     * {@code onlyIfLost}: the watcher's rebuild, for a Redis found without its marker; once it holds
     * the progress row it completes empty, doing nothing, when the marker is back: another
     * instance (or this one's applier catching up) rebuilt everything while it waited.
     */
    private Mono<RebuildResult> rebuild(String reason, boolean onlyIfLost) {
        Mono<RebuildResult> run = Mono.defer(() -> {
            Instant started = clock.instant();
            rebuildsWaiting.incrementAndGet();
            // No statement timeout for the wait either: another instance's rebuild may hold the row for long.
            Mono<Progress> locked = tail.rebuildSettings().then(tail.lockProgress(true))
                    .doFinally(signal -> rebuildsWaiting.decrementAndGet());
            return locked.flatMap(progress -> (onlyIfLost ? marker.present() : Mono.just(false))
                            .flatMap(present -> {
                                if (present) {
                                    log.info("Not rebuilding ({}): the live state was rebuilt meanwhile", reason);
                                    return Mono.<RebuildResult>empty();
                                }
                                log.info("Rebuilding the live aggregates from the ledger: {}", reason);
                                return rebuildLocked(progress);
                            }))
                    .as(tx::transactional)
                    .flatMap(result -> reapplyDirectoryChanges(started.minus(DIRECTORY_MARGIN))
                            .then(reapplyViral())
                            .thenReturn(result));
        })
                // A rebuild that failed half way may have swapped some campaigns: dropping the
                // marker makes the watcher start a complete one within a second.
                .onErrorResume(error -> marker.delete()
                        .onErrorResume(markerError -> Mono.empty())
                        .then(Mono.error(error)))
                .doOnSuccess(result -> {
                    if (result != null) {
                        rebuilds.increment();
                        log.info("Rebuilt the live aggregates: {} campaigns, {} events", result.campaigns(),
                                result.events());
                    }
                })
                .doFinally(signal -> runningRebuild.set(null))
                .cache();
        while (true) {
            Mono<RebuildResult> current = runningRebuild.get();
            if (current != null) {
                return current;
            }
            if (runningRebuild.compareAndSet(null, run)) {
                return run;
            }
        }
    }

    /**
     * The rebuild proper, in the transaction holding the progress row (set up by
     * {@link LedgerTail#rebuildSettings}): every campaign's state as of one snapshot, read from the
     * ledger in one pass, swapped in under the next batch id; the progress row then starts at that
     * snapshot, and the marker is set if Redis kept its data throughout.
     */
    private Mono<RebuildResult> rebuildLocked(Progress progress) {
        String token = markerValue();
        // Redis notes the rebuild's start: a FLUSHDB or restart while it runs, even after a
        // campaign was swapped in, then keeps the marker from being set (the watcher retries).
        return marker.beginRebuild(token).then(tail.currentSnapshot()).flatMap(snapshot -> {
            long batch = progress.batchId() + 1;
            return states(snapshot)
                    .flatMapMany(Flux::fromIterable)
                    .flatMap(built -> store.replace(built.campaignId(), built.state(), batch)
                            .filter(Boolean::booleanValue)
                            .switchIfEmpty(Mono.error(() -> new IllegalStateException("Campaign "
                                    + built.campaignId() + " was applied past the rebuild's batch")))
                            .thenReturn(built.events()), 2)
                    .reduce(new RebuildResult(0, 0),
                            (result, events) -> new RebuildResult(result.campaigns() + 1, result.events() + events))
                    .flatMap(result -> tail.saveProgress(new Progress(snapshot, null, 0, batch))
                            .then(Mono.defer(() -> marker.markRebuilt(token, markerValue())))
                            .filter(Boolean::booleanValue)
                            .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                                    "Redis lost its data while the rebuild ran (flushed or restarted)")))
                            .thenReturn(result));
        });
    }

    /**
     * Names and teams an organizer saved while the rebuild read and swapped may have gone to the
     * generation it replaced; saving them again into the new one is idempotent. The margin covers
     * a save whose transaction began before the rebuild and committed after its read. Each row
     * is the latest save of its team or fundraiser, so they go out several at a time (teams first,
     * since a fundraiser may name one): thousands of fundraisers saved within the margin (a bulk
     * set-up) took one Redis round trip each, one after the other, longer than the rebuild.
     */
    private Mono<Void> reapplyDirectoryChanges(Instant since) {
        return directory.teamsUpdatedSince(since)
                .flatMap(team -> store.putTeam(team.campaignId(), team.id(), team.name()), REAPPLY_CONCURRENCY)
                .thenMany(directory.fundraisersUpdatedSince(since)
                        .flatMap(f -> store.putFundraiser(f.campaignId(), f.id(), f.displayName(), f.teamId()),
                                REAPPLY_CONCURRENCY))
                .then();
    }

    /**
     * Viral definitions an organizer saved during the rebuild may have gone to the generation it
     * replaced: all of them are saved again (a handful per campaign, idempotent). Then milestones
     * the rebuilt figures have reached are recorded, and ones PostgreSQL recorded that the live
     * state missed reach it.
     */
    private Mono<Void> reapplyViral() {
        return viral.all()
                .flatMapMany(all -> Flux.fromIterable(all.entrySet()))
                .flatMap(entry -> store.putViral(entry.getKey(), ViralState.fields(entry.getValue().pledges(),
                        entry.getValue().matches(), entry.getValue().milestones(), Map.of())), REAPPLY_CONCURRENCY)
                .then(milestones.checkAll())
                .onErrorResume(error -> {
                    log.warn("Saving viral definitions again after a rebuild failed: {}", error.toString());
                    return Mono.empty();
                });
    }

    /**
     * A fresh marker value for each rebuild. Not a random UUID: SecureRandom may read
     * /dev/urandom, a blocking call this runs too close to an event loop for.
     */
    private static String markerValue() {
        return Long.toHexString(System.currentTimeMillis()) + "-" + Long.toHexString(System.nanoTime());
    }

    /** One campaign's recomputed state, and how many ledger events it counts. */
    private record Built(String campaignId, CampaignState state, long events) {
    }

    /**
     * Every campaign's state as of {@code snapshot}: the figures from one pass over the ledger
     * ({@link LedgerTail#ledgerGroups}), names and teams from their tables, the feeds from the
     * donation index. Each query is read to its end (collected) before the next runs on the
     * transaction's connection.
     */
    private Mono<List<Built>> states(String snapshot) {
        Instant now = clock.instant();
        Mono<List<String>> campaigns = directory.campaignIds().collectList();
        Mono<List<Fundraiser>> fundraisers = directory.allFundraisers().collectList();
        Mono<List<Team>> teams = directory.allTeams().collectList();
        Mono<List<LedgerTail.LedgerGroup>> groups = tail.ledgerGroups(snapshot, now.minus(TREND_READ)).collectList();
        Mono<List<TailEvent>> feeds = tail.lastDonations(LeaderboardStore.MAX_LIMIT, snapshot).collectList();
        Mono<List<LedgerTail.MatchedSum>> matched = tail.matchedSums(snapshot).collectList();
        Mono<Map<String, ViralDefinitions.Campaign>> definitions = viral.all();
        return Mono.zip(campaigns, fundraisers, teams, groups, feeds, matched, definitions).map(parts -> {
            Map<String, Figures> byCampaign = new LinkedHashMap<>();
            for (String c : parts.getT1()) {
                byCampaign.put(c, new Figures());
            }
            for (Team t : parts.getT3()) {
                Figures f = byCampaign.computeIfAbsent(t.campaignId(), c -> new Figures());
                f.teamNames.put(t.id(), t.name());
                f.teamRaised.put(t.id(), 0L);
            }
            for (Fundraiser n : parts.getT2()) {
                Figures f = byCampaign.computeIfAbsent(n.campaignId(), c -> new Figures());
                f.raised.put(n.id(), 0L);
                f.shares.put(n.id(), 0L);
                f.names.put(n.id(), n.displayName());
                if (n.teamId() != null) {
                    f.teamOf.put(n.id(), n.teamId());
                }
            }
            for (LedgerTail.LedgerGroup g : parts.getT4()) {
                byCampaign.computeIfAbsent(g.campaignId(), c -> new Figures()).add(g);
            }
            for (TailEvent e : parts.getT5()) {
                byCampaign.computeIfAbsent(e.campaignId(), c -> new Figures()).feed.add(e);
            }
            for (LedgerTail.MatchedSum m : parts.getT6()) {
                byCampaign.computeIfAbsent(m.campaignId(), c -> new Figures()).matched.put(m.matchId(), m.matchedMinor());
            }
            parts.getT7().forEach((c, d) -> byCampaign.computeIfAbsent(c, id -> new Figures()).definitions = d);
            List<Built> built = new ArrayList<>(byCampaign.size());
            byCampaign.forEach((c, f) -> built.add(new Built(c, f.state(), f.events)));
            return built;
        });
    }

    /** One campaign's figures as a rebuild sums them up from the ledger's groups. */
    private static final class Figures {

        long raisedMinor;
        long donationCount;
        long refundedMinor;
        long shareCount;
        long events;
        Instant updatedAt;
        final Map<String, Long> raised = new HashMap<>();
        final Map<String, Long> shares = new HashMap<>();
        final Map<String, String> names = new HashMap<>();
        final Map<String, String> teamOf = new HashMap<>();
        final Map<String, Long> teamRaised = new HashMap<>();
        final Map<String, String> teamNames = new HashMap<>();
        final Map<Long, Map<String, Long>> buckets = new HashMap<>();
        final List<TailEvent> feed = new ArrayList<>();
        final Map<String, Long> referred = new HashMap<>();
        final Map<String, Long> matched = new HashMap<>();
        ViralDefinitions.Campaign definitions;

        void add(LedgerTail.LedgerGroup g) {
            if (g.referrerId() != null) {
                referred.merge(g.referrerId(), g.raisedMinor(), Long::sum);
            }
            raisedMinor += g.raisedMinor();
            donationCount += g.donationCount();
            refundedMinor += g.refundedMinor();
            shareCount += g.shareCount();
            events += g.events();
            if (g.updatedAt() != null && (updatedAt == null || g.updatedAt().isAfter(updatedAt))) {
                updatedAt = g.updatedAt();
            }
            String f = g.fundraiserId();
            if (f == null) {
                return;
            }
            // A fundraiser's figures as the join with its row counted them: known fundraisers only
            // (the writer checks references, so that is every one); the trend by the ledger alone.
            if (raised.containsKey(f)) {
                raised.merge(f, g.raisedMinor(), Long::sum);
                shares.merge(f, g.shareCount(), Long::sum);
            }
            if (g.minute() != null) {
                buckets.computeIfAbsent(g.minute(), m -> new HashMap<>()).merge(f, g.raisedMinor(), Long::sum);
            }
        }

        CampaignState state() {
            raised.forEach((f, amount) -> {
                String team = teamOf.get(f);
                if (team != null) {
                    teamRaised.merge(team, amount, Long::sum);
                }
            });
            List<FeedEntry> feedEntries = feed.stream()
                    .sorted(Comparator.comparingLong(TailEvent::seq).reversed())
                    .map(LiveApplier::feedEntry)
                    .toList();
            Totals totals = new Totals(raisedMinor, donationCount, refundedMinor, shareCount, updatedAt);
            Map<String, String> viralFields = definitions == null ? Map.of()
                    : ViralState.fields(definitions.pledges(), definitions.matches(), definitions.milestones(),
                            matched);
            return new CampaignState(totals, raised, teamRaised, shares, buckets, feedEntries, names, teamNames,
                    teamOf, referred, viralFields);
        }
    }

    private static LiveEvent live(TailEvent e) {
        return new LiveEvent(e.seq(), e.type(), e.eventId(), e.campaignId(), e.fundraiserId(), e.amountMinor(),
                e.donorName(), e.anonymous(), e.message(), e.occurredAt(), e.recordedAt(), e.referrerId(), e.matched());
    }

    private static FeedEntry feedEntry(TailEvent e) {
        return new FeedEntry(e.eventId(), e.anonymous() ? null : e.donorName(), e.amountMinor(), e.message(),
                e.fundraiserId(), e.occurredAt());
    }
}
