package org.leaderboard.live;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * The live streams' meters: open sessions per transport, watched campaigns, frames sent, updates
 * conflated away (by the tick, and for slow clients), sessions closed as too slow, and the push
 * lag from an event's commit to the frame showing it being handed to a client's connection.
 */
@Component
class LiveMetrics {

    private final Clock clock;
    private final AtomicInteger webSocketSessions = new AtomicInteger();
    private final AtomicInteger sseSessions = new AtomicInteger();
    private final AtomicInteger campaigns = new AtomicInteger();
    private final Counter updatesSent;
    private final Counter snapshotsSent;
    private final Counter conflatedByTick;
    private final Counter conflatedForSlowClient;
    private final Counter closedSlow;
    private final Counter rejectedFull;
    private final Timer pushLag;
    private final Counter reads;
    private final Counter deflated;

    LiveMetrics(MeterRegistry registry, Clock clock) {
        this.clock = clock;
        Gauge.builder("leaderboard.push.sessions", webSocketSessions, AtomicInteger::get)
                .description("Open live stream sessions").tag("transport", "websocket").register(registry);
        Gauge.builder("leaderboard.push.sessions", sseSessions, AtomicInteger::get)
                .description("Open live stream sessions").tag("transport", "sse").register(registry);
        Gauge.builder("leaderboard.push.campaigns", campaigns, AtomicInteger::get)
                .description("Campaigns with at least one live stream open on this instance").register(registry);
        Gauge.builder("leaderboard.push.frame.native", Frame::nativeBytes).baseUnit("bytes")
                .description("Native memory held by the cached WebSocket messages of the frames streams still show")
                .register(registry);
        updatesSent = Counter.builder("leaderboard.push.frames").description("Messages handed to clients")
                .tag("type", "update").register(registry);
        snapshotsSent = Counter.builder("leaderboard.push.frames").description("Messages handed to clients")
                .tag("type", "snapshot").register(registry);
        conflatedByTick = Counter.builder("leaderboard.push.conflated")
                .description("Change notices merged into another update by the tick")
                .tag("reason", "tick").register(registry);
        conflatedForSlowClient = Counter.builder("leaderboard.push.conflated")
                .description("Frames a slow client never got because a newer one replaced them")
                .tag("reason", "slow-client").register(registry);
        closedSlow = Counter.builder("leaderboard.push.closed")
                .description("Sessions closed by the service").tag("reason", "slow-client").register(registry);
        rejectedFull = Counter.builder("leaderboard.push.rejected")
                .description("Stream requests refused because the instance holds its maximum of sessions")
                .register(registry);
        deflated = Counter.builder("leaderboard.push.deflated")
                .description("WebSocket messages sent compressed (permessage-deflate), from the frame's shared compression")
                .register(registry);
        reads = Counter.builder("leaderboard.push.reads")
                .description("Reads of a campaign's live view from Redis (at most one per campaign per tick)")
                .register(registry);
        pushLag = Timer.builder("leaderboard.push.lag")
                .description("From the commit of the newest event a frame shows to the frame being handed to the"
                        + " last client of an event loop")
                .publishPercentileHistogram()
                .register(registry);
    }

    AtomicInteger sessions(String transport) {
        return "sse".equals(transport) ? sseSessions : webSocketSessions;
    }

    int openSessions() {
        return webSocketSessions.get() + sseSessions.get();
    }

    void campaignWatched() {
        campaigns.incrementAndGet();
    }

    void campaignUnwatched() {
        campaigns.decrementAndGet();
    }

    void sent(Frame frame, long previousSeq) {
        (frame.follows(previousSeq) ? updatesSent : snapshotsSent).increment();
    }

    /**
     * A frame has been offered to every client of one event loop: the lag of its last client
     * there. Recorded once per frame and loop rather than per client, which would make the
     * histogram a point of contention between the loops at tens of thousands of frames a second.
     */
    void fannedOut(Frame frame) {
        if (frame.newestEventMillis >= 0) {
            pushLag.record(Math.max(0, clock.millis() - frame.newestEventMillis), TimeUnit.MILLISECONDS);
        }
    }

    void deflated() {
        deflated.increment();
    }

    void read() {
        reads.increment();
    }

    void conflatedByTick(long notices) {
        if (notices > 0) {
            conflatedByTick.increment(notices);
        }
    }

    void conflatedForSlowClient() {
        conflatedForSlowClient.increment();
    }

    void closedSlow() {
        closedSlow.increment();
    }

    void rejectedFull() {
        rejectedFull.increment();
    }
}
