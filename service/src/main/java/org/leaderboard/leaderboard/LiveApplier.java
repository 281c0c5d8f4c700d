package org.leaderboard.leaderboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

    private final LedgerTail tail;
    private final LedgerStore ledger;
    private final LeaderboardStore store;
    private final RebuildMarker marker;
    private final LiveProperties properties;
    private final TransactionalOperator tx;
    private final Clock clock;
    private final CampaignDirectory directory;
    private final Timer applyLag;
    private final Counter appliedEvents;
    private final Counter rebuilds;
    private final AtomicReference<Mono<RebuildResult>> runningRebuild = new AtomicReference<>();
    private final AtomicInteger rebuildsWaiting = new AtomicInteger();
    private volatile Disposable loops = Disposables.disposed();

    /** What a rebuild recomputed. */
    record RebuildResult(int campaigns, long events) {
    }

    LiveApplier(LedgerTail tail, LedgerStore ledger, LeaderboardStore store, LiveProperties properties,
            ReactiveTransactionManager transactionManager, Clock clock, MeterRegistry registry,
            CampaignDirectory directory, RebuildMarker marker) {
        this.directory = directory;
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
                        .flatMap(missing -> rebuild("Redis holds no live state"))
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
     * that page, which Redis then skips where it already landed.
     */
    private Mono<Boolean> applyPage() {
        Mono<Boolean> step = tail.lockProgress(false).flatMap(progress -> {
            if (progress.cur() == null) {
                return openPage(progress.prev(), progress.batchId(), false);
            }
            return tail.page(progress.prev(), progress.cur(), progress.cursorSeq(), properties.pageSize())
                    .flatMap(events -> applyEvents(progress, progress.cur(), events));
        });
        return step.as(tx::transactional).defaultIfEmpty(false);
    }

    /**
     * Takes a new snapshot and, when it shows unapplied events, records it as the next page;
     * answers whether it did. A step ends with this inside its own transaction: the next page is
     * fixed in the progress row in the commit that records the last one applied, and reaches
     * Redis only in the next transaction, so under a surge a step is one transaction, not two (one
     * opening the page, one applying it). {@code stepEnded}: the snapshot {@code prev} was just
     * applied, and is recorded as done even when nothing follows it yet.
     */
    private Mono<Boolean> openPage(String prev, long batchId, boolean stepEnded) {
        return tail.nextSnapshot(prev, properties.pageSize())
                .flatMap(cur -> tail.page(prev, cur, 0, 1).flatMap(first -> {
                    if (!first.isEmpty()) {
                        return tail.saveProgress(new Progress(prev, cur, 0, batchId)).thenReturn(true);
                    }
                    // Nothing new: the step that ended is recorded as done (a row already
                    // showing no open page is left as it is).
                    return stepEnded ? tail.saveProgress(new Progress(prev, null, 0, batchId)).thenReturn(false)
                            : Mono.just(false);
                }));
    }

    private Mono<Boolean> applyEvents(Progress progress, String cur, List<TailEvent> events) {
        if (events.isEmpty()) {
            // The last page of the snapshot was full: the step ends here; its snapshot being
            // clamped, rows may lie past it, which the next page, opened now, holds.
            return openPage(cur, progress.batchId(), true);
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
                : openPage(cur, batch, true);
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
     * by campaign, while the applier waits. Concurrent calls share one run.
     */
    Mono<RebuildResult> rebuild(String reason) {
        Mono<RebuildResult> run = Mono.defer(() -> {
            log.info("Rebuilding the live aggregates from the ledger: {}", reason);
            Instant started = clock.instant();
            String token = markerValue();
            rebuildsWaiting.incrementAndGet();
            Mono<Progress> locked = tail.lockProgress(true).doFinally(signal -> rebuildsWaiting.decrementAndGet());
            // Redis notes the rebuild's start: a FLUSHDB or restart while it runs, even after a
            // campaign was swapped in, then keeps the marker from being set (the watcher retries).
            return locked.flatMap(progress -> marker.beginRebuild(token).then(tail.currentSnapshot()).flatMap(snapshot -> {
                long batch = progress.batchId() + 1;
                return tail.campaignSums(snapshot)
                        .flatMap(sums -> state(sums, snapshot)
                                .flatMap(state -> store.replace(sums.campaignId(), state, batch))
                                .filter(Boolean::booleanValue)
                                .switchIfEmpty(Mono.error(() -> new IllegalStateException("Campaign "
                                        + sums.campaignId() + " was applied past the rebuild's batch")))
                                .thenReturn(sums.events()), 2)
                        .reduce(new RebuildResult(0, 0),
                                (result, events) -> new RebuildResult(result.campaigns() + 1, result.events() + events))
                        .flatMap(result -> tail.saveProgress(new Progress(snapshot, null, 0, batch))
                                .then(Mono.defer(() -> marker.markRebuilt(token, markerValue())))
                                .filter(Boolean::booleanValue)
                                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                                        "Redis lost its data while the rebuild ran (flushed or restarted)")))
                                .thenReturn(result));
            })).as(tx::transactional)
                    .flatMap(result -> reapplyDirectoryChanges(started.minus(DIRECTORY_MARGIN)).thenReturn(result));
        })
                // A rebuild that failed half way may have swapped some campaigns: dropping the
                // marker makes the watcher start a complete one within a second.
                .onErrorResume(error -> marker.delete()
                        .onErrorResume(markerError -> Mono.empty())
                        .then(Mono.error(error)))
                .doOnSuccess(result -> {
                    rebuilds.increment();
                    log.info("Rebuilt the live aggregates: {} campaigns, {} events", result.campaigns(),
                            result.events());
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
     * Names and teams an organizer saved while the rebuild read and swapped may have gone to the
     * generation it replaced; saving them again into the new one is idempotent. The margin covers
     * a save whose transaction began before the rebuild and committed after its read.
     */
    private Mono<Void> reapplyDirectoryChanges(Instant since) {
        return directory.teamsUpdatedSince(since)
                .concatMap(team -> store.putTeam(team.campaignId(), team.id(), team.name()))
                .thenMany(directory.fundraisersUpdatedSince(since)
                        .concatMap(f -> store.putFundraiser(f.campaignId(), f.id(), f.displayName(), f.teamId())))
                .then();
    }

    /**
     * A fresh marker value for each rebuild. Not a random UUID: SecureRandom may read
     * /dev/urandom, a blocking call this runs too close to an event loop for.
     */
    private static String markerValue() {
        return Long.toHexString(System.currentTimeMillis()) + "-" + Long.toHexString(System.nanoTime());
    }

    private Mono<CampaignState> state(LedgerTail.CampaignSums sums, String snapshot) {
        String c = sums.campaignId();
        Instant now = clock.instant();
        Mono<List<LedgerTail.FundraiserSums>> fundraisers = tail.fundraiserSums(c, snapshot).collectList();
        Mono<List<String[]>> teams = tail.teams(c).collectList();
        Mono<List<LedgerTail.TrendSum>> trend = tail.trendSums(c, now.minus(Duration.ofMinutes(61)), snapshot)
                .collectList();
        Mono<List<TailEvent>> feed = tail.lastDonations(c, LeaderboardStore.MAX_LIMIT, snapshot).collectList();
        return Mono.zip(fundraisers, teams, trend, feed).map(parts -> {
            Map<String, Long> raised = new HashMap<>();
            Map<String, Long> shares = new HashMap<>();
            Map<String, String> names = new HashMap<>();
            Map<String, String> teamOf = new HashMap<>();
            Map<String, Long> teamRaised = new HashMap<>();
            Map<String, String> teamNames = new HashMap<>();
            for (String[] team : parts.getT2()) {
                teamNames.put(team[0], team[1]);
                teamRaised.put(team[0], 0L);
            }
            for (LedgerTail.FundraiserSums f : parts.getT1()) {
                raised.put(f.fundraiserId(), f.raisedMinor());
                shares.put(f.fundraiserId(), f.shareCount());
                names.put(f.fundraiserId(), f.displayName());
                if (f.teamId() != null) {
                    teamOf.put(f.fundraiserId(), f.teamId());
                    teamRaised.merge(f.teamId(), f.raisedMinor(), Long::sum);
                }
            }
            Map<Long, Map<String, Long>> buckets = new HashMap<>();
            for (LedgerTail.TrendSum t : parts.getT3()) {
                buckets.computeIfAbsent(t.epochMinute(), m -> new HashMap<>()).put(t.fundraiserId(), t.amountMinor());
            }
            List<FeedEntry> feedEntries = parts.getT4().stream().map(LiveApplier::feedEntry).toList();
            Totals totals = new Totals(sums.raisedMinor(), sums.donationCount(), sums.refundedMinor(),
                    sums.shareCount(), sums.updatedAt());
            return new CampaignState(totals, raised, teamRaised, shares, buckets, feedEntries, names, teamNames,
                    teamOf);
        });
    }

    private static LiveEvent live(TailEvent e) {
        return new LiveEvent(e.seq(), e.type(), e.eventId(), e.campaignId(), e.fundraiserId(), e.amountMinor(),
                e.donorName(), e.anonymous(), e.message(), e.occurredAt(), e.recordedAt());
    }

    private static FeedEntry feedEntry(TailEvent e) {
        return new FeedEntry(e.eventId(), e.anonymous() ? null : e.donorName(), e.amountMinor(), e.message(),
                e.fundraiserId(), e.occurredAt());
    }
}
