package org.leaderboard.live;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.leaderboard.ChangeNotices;
import org.leaderboard.leaderboard.LeaderboardStore;
import org.leaderboard.leaderboard.LiveView;
import org.leaderboard.leaderboard.Standing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The live streams of this instance: one {@link CampaignStream} per watched campaign, created by
 * its first client and stopped with its last, listening to the campaign's change notices on Redis
 * pub/sub (published by whichever instance applied the change). A notified stream reads its
 * campaign at once when its last read is a tick old and its last frame has been offered to every
 * client, else as soon as both hold (the end of a fan-out checks at once, a timer fires when the
 * tick since the last read ends, and one ticker looks four times per tick as a backstop, sending
 * heartbeats and dropping stalled clients too); the read's frame goes out
 * to all its clients. So an isolated gift is pushed without waiting for a tick, a surge costs at
 * most one read and one frame per campaign per tick, and when the cores cannot fan frames out
 * that often, frames come as often as they can go out rather than queue behind one another.
 */
@Component
class LiveStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LiveStreams.class);
    /** Stalled clients are looked for this often, not every tick: it visits every client. */
    private static final long STALL_CHECK_NANOS = Duration.ofSeconds(1).toNanos();

    private final LeaderboardStore store;
    private final ChangeNotices notices;
    private final CampaignDirectory directory;
    private final LiveStreamProperties properties;
    private final LiveMetrics metrics;
    private final Clock clock;
    private final ConcurrentHashMap<String, CampaignStream> streams = new ConcurrentHashMap<>();
    private final AtomicLong lastStallCheck = new AtomicLong(System.nanoTime());
    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - Duration.ofMinutes(1).toNanos());
    private final AtomicReference<Disposable> ticker = new AtomicReference<>(Disposables.disposed());

    LiveStreams(LeaderboardStore store, ChangeNotices notices, CampaignDirectory directory,
            LiveStreamProperties properties, LiveMetrics metrics, Clock clock) {
        this.store = store;
        this.notices = notices;
        this.directory = directory;
        this.properties = properties;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void start() {
        // The ticker looks four times per tick: heartbeats, stalled clients, periodic refreshes,
        // and a backstop for the wake timer of a change deferred by the one-read-per-tick rule.
        ticker.set(Flux.interval(properties.tick().dividedBy(4), Schedulers.parallel())
                .onBackpressureDrop()
                .subscribe(tick -> tick()));
    }

    @Override
    public void stop() {
        ticker.get().dispose();
        // Before the web server's graceful shutdown, which would otherwise wait for these
        // never-ending responses: clients are closed and reconnect to another instance.
        streams.values().forEach(stream -> {
            stream.closeAll();
            stream.stop();
        });
    }

    @Override
    public boolean isRunning() {
        return !ticker.get().isDisposed();
    }

    /** Whether another session would exceed the configured maximum; counts the refusal when so. */
    boolean full() {
        if (metrics.openSessions() >= properties.maxSessions()) {
            metrics.rejectedFull();
            return true;
        }
        return false;
    }

    /**
     * A new client of {@code campaignId}'s stream over {@code transport} ("websocket" or "sse").
     * Its outbox receives the current frame as a snapshot, then every frame; it leaves the stream
     * when its deliveries are cancelled or it is closed.
     */
    Outbox join(String campaignId, String transport, ClientChannel channel) {
        return join(campaignId, null, transport, channel);
    }

    /**
     * The same for the stream of a fundraiser's page when {@code fundraiserId} is not null: the
     * campaign's frames plus that fundraiser's standing, shared by everyone watching it.
     */
    Outbox join(String campaignId, String fundraiserId, String transport, ClientChannel channel) {
        Outbox outbox = new Outbox(metrics, channel);
        metrics.sessions(transport).incrementAndGet();
        String key = CampaignStream.key(campaignId, fundraiserId);
        outbox.onClose(closed -> leave(key, closed, transport));
        CampaignStream[] started = new CampaignStream[1];
        streams.compute(key, (k, stream) -> {
            if (stream == null) {
                stream = new CampaignStream(campaignId, fundraiserId, System.nanoTime(), properties.tick().toNanos());
                started[0] = stream;
            }
            stream.add(outbox);
            return stream;
        });
        if (started[0] != null) {
            CampaignStream stream = started[0];
            stream.afterFanOut(() -> readIfDue(stream, System.nanoTime()));
            listen(stream);
        }
        return outbox;
    }

    private void leave(String key, Outbox outbox, String transport) {
        metrics.sessions(transport).decrementAndGet();
        CampaignStream[] stopped = new CampaignStream[1];
        streams.computeIfPresent(key, (k, stream) -> {
            if (stream.remove(outbox)) {
                stopped[0] = stream;
                return null;
            }
            return stream;
        });
        if (stopped[0] != null) {
            stopped[0].stop();
            metrics.campaignUnwatched();
        }
    }

    /**
     * Subscribes the stream to its campaign's change notices. Once Redis confirmed the
     * subscription the stream reads again, so a change made while it was being set up (after the
     * first read, before the subscription) is not missed; so does every re-subscription after a
     * failure (Redis restarted: the notices sent meanwhile are lost). A failed subscription is
     * retried while the stream lives (periodic refreshes cover the gap).
     */
    private void listen(CampaignStream stream) {
        metrics.campaignWatched();
        stream.changes(notices.subscribe(stream.campaignId)
                .flatMapMany(active -> {
                    stream.changed();
                    readIfDue(stream, System.nanoTime());
                    return active;
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(5))
                        .doBeforeRetry(signal -> logFailure("Listening to changes of campaign '"
                                + stream.campaignId + "' failed, retrying", signal.failure())))
                .subscribe(notice -> {
                    if (ChangeNotices.CAMPAIGN_NOTICE.equals(notice)) {
                        directory.forget(stream.campaignId);
                    }
                    stream.changed();
                    readIfDue(stream, System.nanoTime());
                }));
    }

    private void tick() {
        long now = System.nanoTime();
        long heartbeat = properties.heartbeat().toNanos();
        boolean stallCheck = now - lastStallCheck.get() >= STALL_CHECK_NANOS;
        if (stallCheck) {
            lastStallCheck.set(now);
        }
        long stallDeadline = now - properties.slowClientTimeout().toNanos();
        for (CampaignStream stream : streams.values()) {
            if (!readIfDue(stream, now)) {
                stream.heartbeatIfIdle(now, heartbeat);
            }
            if (stallCheck) {
                int aborted = stream.abortStalled(stallDeadline);
                for (int i = 0; i < aborted; i++) {
                    metrics.closedSlow();
                }
            }
        }
    }

    /**
     * Reads the campaign if it changed or is due for a refresh, and was not read within the last
     * tick. A change held back only by that rule is read the moment the tick since the last read
     * ends (a timer), not at the ticker's next look up to a quarter tick later.
     */
    private boolean readIfDue(CampaignStream stream, long now) {
        AtomicLong covered = new AtomicLong();
        long tick = properties.tick().toNanos();
        if (stream.startRead(now, tick, properties.refreshInterval().toNanos(), covered)) {
            metrics.conflatedByTick(covered.get() - 1);
            read(stream);
            return true;
        }
        long wait = stream.armWake(now, tick);
        if (wait > 0) {
            try {
                Schedulers.parallel().schedule(() -> {
                    stream.woken();
                    if (streams.get(stream.key()) == stream) { // not stopped meanwhile
                        readIfDue(stream, System.nanoTime());
                    }
                }, wait, TimeUnit.NANOSECONDS);
            }
            catch (RejectedExecutionException ex) {
                stream.woken(); // the scheduler is shutting down, and the streams with it
            }
        }
        return false;
    }

    private void read(CampaignStream stream) {
        String id = stream.campaignId;
        metrics.read();
        Mono<LiveView> view = store.liveView(id, properties.boardSize(), properties.feedSize(), clock.instant());
        Mono<?> published;
        if (stream.fundraiserId == null) {
            published = Mono.zip(directory.campaign(id), view)
                    .publishOn(Schedulers.parallel())
                    .doOnNext(found -> stream.publish(found.getT1(), found.getT2(), System.nanoTime(), metrics));
        }
        else {
            // The standing is read unshared, like the view: a read shared from before the change
            // this read answers would leave the stream showing the old standing.
            String f = stream.fundraiserId;
            Mono<Optional<Standing>> standing = store.standing(id, f).map(Optional::of)
                    .defaultIfEmpty(Optional.empty());
            published = Mono.zip(directory.campaign(id), view, directory.fundraiser(id, f), standing)
                    .publishOn(Schedulers.parallel())
                    .doOnNext(found -> stream.publish(found.getT1(), found.getT2(),
                            StandingJson.of(found.getT3(), found.getT4().orElse(null)), System.nanoTime(), metrics));
        }
        published.then()
                .subscribe(null, error -> {
                    stream.readDone(true);
                    logFailure("Reading campaign '" + id + "' for its live stream failed, will retry", error);
                }, () -> stream.readDone(false));
    }

    /** At most one line every 10 s: a Redis outage would otherwise log once per tick and campaign. */
    private void logFailure(String message, Throwable error) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if (now - last >= Duration.ofSeconds(10).toNanos() && lastFailureLog.compareAndSet(last, now)) {
            log.warn("{}: {}", message, error.toString());
        }
    }
}
