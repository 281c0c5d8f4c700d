package org.leaderboard.live;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.leaderboard.campaign.Campaign;
import org.leaderboard.leaderboard.LiveView;

import reactor.core.Disposable;

/**
 * The one shared stream of a watched campaign on this instance: its latest frame and the outboxes
 * of its clients. A tick reads the campaign once (when a change notice came, or for a periodic
 * refresh), builds at most one frame, serialized once, and hands that same frame to every
 * outbox. The read, the diff and the serialization cost the same for one client or ten thousand.
 * The clients watching one fundraiser ({@code ?fundraiser=}) share a stream of their own, whose
 * frames also carry that fundraiser's standing: one read and one frame per watched fundraiser
 * per tick, however many watch it.
 */
final class CampaignStream {

    final String campaignId;
    /** The fundraiser whose standing this stream's frames carry, or null on the campaign's own stream. */
    final String fundraiserId;
    private final Set<Outbox> outboxes = ConcurrentHashMap.newKeySet();
    /** The outboxes again, by the event loop of their connection (a few groups), for the fan-out. */
    private final Map<Executor, Set<Outbox>> byEventLoop = new ConcurrentHashMap<>();
    private final Set<Outbox> elsewhere = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    private final AtomicLong notices = new AtomicLong();
    private final AtomicBoolean reading = new AtomicBoolean();
    /** A timer will look again when the tick since the last read is over ({@link #armWake}). */
    private final AtomicBoolean wakeArmed = new AtomicBoolean();
    /** Event loops still offering the last frame to their clients. */
    private final AtomicInteger fanningOut = new AtomicInteger();
    private volatile Frame current;
    private volatile long lastRead;
    private volatile long lastDelivery;
    private volatile Disposable changes;
    private volatile Runnable afterFanOut = () -> {
    };

    /** The stream's key among an instance's streams: ids never hold a '/', so the two kinds cannot meet. */
    static String key(String campaignId, String fundraiserId) {
        return fundraiserId == null ? campaignId : campaignId + "/" + fundraiserId;
    }

    String key() {
        return key(campaignId, fundraiserId);
    }

    /** {@code now} and {@code minGapNanos}: a new stream may read at once. */
    CampaignStream(String campaignId, long now, long minGapNanos) {
        this(campaignId, null, now, minGapNanos);
    }

    CampaignStream(String campaignId, String fundraiserId, long now, long minGapNanos) {
        this.campaignId = campaignId;
        this.fundraiserId = fundraiserId;
        this.lastRead = now - minGapNanos;
        this.lastDelivery = now;
    }

    /**
     * Adds a client. It gets the current frame as a snapshot; one published meanwhile reaches it
     * too, since {@link #publish} sets the frame before visiting the outboxes and this adds the
     * outbox before reading the frame.
     */
    void add(Outbox outbox) {
        outboxes.add(outbox);
        group(outbox).add(outbox);
        Frame frame = current;
        if (frame != null) {
            outbox.offer(frame);
        }
    }

    boolean remove(Outbox outbox) {
        outboxes.remove(outbox);
        group(outbox).remove(outbox);
        return outboxes.isEmpty();
    }

    private Set<Outbox> group(Outbox outbox) {
        Executor loop = outbox.eventLoop();
        return loop == null ? elsewhere : byEventLoop.computeIfAbsent(loop, l -> ConcurrentHashMap.newKeySet());
    }

    /** Runs when every event loop has offered the latest frame (a read deferred by it may start). */
    void afterFanOut(Runnable action) {
        this.afterFanOut = action;
    }

    void changes(Disposable subscription) {
        this.changes = subscription;
    }

    void stop() {
        Disposable subscription = changes;
        if (subscription != null) {
            subscription.dispose();
        }
        Frame frame = current;
        if (frame != null) {
            frame.release();
        }
    }

    /** A change notice: the campaign is read again as soon as the last read is a tick old. */
    void changed() {
        notices.incrementAndGet();
        dirty.set(true);
    }

    /**
     * Whether the campaign should be read now: it changed (or is due for a refresh) and the last
     * read is at least {@code minGapNanos} old, so a change after a quiet spell is read at once
     * and a surge at most once per tick. If so it is marked as being read, and the caller must
     * call {@link #readDone}. Answers the number of notices the read covers through {@code covered}.
     */
    boolean startRead(long now, long minGapNanos, long refreshNanos, AtomicLong covered) {
        if (reading.get() || fanningOut.get() > 0 || now - lastRead < minGapNanos) {
            return false;
        }
        boolean due = now - lastRead >= refreshNanos;
        if (!dirty.get() && !due) {
            return false;
        }
        if (!reading.compareAndSet(false, true)) {
            return false;
        }
        dirty.set(false);
        covered.set(notices.getAndSet(0));
        lastRead = now;
        return true;
    }

    /**
     * How long until a read held back only by the one-read-per-tick rule may start (the campaign
     * changed, no read or fan-out is under way, the last read is less than {@code minGapNanos}
     * old), or -1 when something else holds it back or nothing does. Arms the stream's one wake
     * timer: a positive answer is given once until {@link #woken}, so a surge of notices schedules
     * one wake, not one per notice.
     */
    long armWake(long now, long minGapNanos) {
        long left = minGapNanos - (now - lastRead);
        if (left <= 0 || !dirty.get() || reading.get() || fanningOut.get() > 0 || !wakeArmed.compareAndSet(false, true)) {
            return -1;
        }
        return left;
    }

    /** The wake timer armed by {@link #armWake} fired. */
    void woken() {
        wakeArmed.set(false);
    }

    void readDone(boolean failed) {
        if (failed) {
            dirty.set(true);
        }
        reading.set(false);
    }

    /**
     * Makes the campaign's state {@code view} the stream's: builds the next frame (none when a
     * client would see no difference) and offers it to every outbox. Answers the new frame or null.
     */
    Frame publish(Campaign campaign, LiveView view, long now, LiveMetrics metrics) {
        return publish(campaign, view, null, now, metrics);
    }

    /** The same on a fundraiser's stream, with the fundraiser's {@code standing} ({@link StandingJson}). */
    Frame publish(Campaign campaign, LiveView view, Map<String, Object> standing, long now, LiveMetrics metrics) {
        Frame previous = current;
        Frame frame = previous == null ? Frame.first(campaign, view, standing)
                : Frame.next(previous, campaign, view, standing);
        if (frame == null) {
            return null;
        }
        current = frame;
        if (previous != null) {
            // Its fan-out ended before this read began; a slow client still holding it gets a copy.
            previous.release();
        }
        lastDelivery = now;
        // One task per event loop, not one per client: each outbox is offered the frame on its
        // connection's own loop, where the transport writes it without a further hand-off.
        // The next read waits until every loop has offered this frame: under a load the cores
        // cannot carry, frames then come less often instead of piling up behind each other.
        byEventLoop.forEach((loop, group) -> {
            if (!group.isEmpty()) {
                fanningOut.incrementAndGet();
                try {
                    loop.execute(() -> {
                        try {
                            group.forEach(outbox -> outbox.offer(frame));
                            metrics.fannedOut(frame);
                        }
                        finally {
                            if (fanningOut.decrementAndGet() == 0) {
                                afterFanOut.run();
                            }
                        }
                    });
                }
                catch (RuntimeException ex) {
                    fanningOut.decrementAndGet(); // the loop is shutting down
                    throw ex;
                }
            }
        });
        if (!elsewhere.isEmpty()) {
            elsewhere.forEach(outbox -> outbox.offer(frame));
            metrics.fannedOut(frame);
        }
        return frame;
    }

    /** Heartbeats to every client when nothing was sent for {@code heartbeatNanos}. */
    void heartbeatIfIdle(long now, long heartbeatNanos) {
        if (now - lastDelivery >= heartbeatNanos) {
            lastDelivery = now;
            for (Outbox outbox : outboxes) {
                outbox.heartbeat();
            }
        }
    }

    /** Ends every client's stream (the instance is shutting down; they reconnect elsewhere). */
    void closeAll() {
        outboxes.forEach(Outbox::close);
    }

    /** Drops the clients that have not taken a frame since before {@code deadline}; answers how many. */
    int abortStalled(long deadline) {
        int aborted = 0;
        for (Outbox outbox : outboxes) {
            if (outbox.stalledBefore(deadline)) {
                outbox.abort();
                aborted++;
            }
        }
        return aborted;
    }
}
