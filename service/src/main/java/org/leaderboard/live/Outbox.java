package org.leaderboard.live;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * What one client's connection still has to send: at most one frame, the latest. A frame that
 * arrives before the previous one was taken replaces it, and the client then gets the newer
 * frame's snapshot instead of an update it could not apply, so a slow client costs one
 * reference, never a queue, and never holds up the others. Frames leave only on the
 * transport's demand and while the connection is writable ({@link ClientChannel}); a client
 * that took nothing for too long is reported stalled.
 */
final class Outbox {

    /** What the transport writes next. */
    interface Delivery {
    }

    /** A frame, to be sent as its update when {@code lastSeq} is the frame before it, else as its snapshot. */
    record Message(Frame frame, long lastSeq) implements Delivery {
    }

    /** Writes a frame to the connection itself, bypassing {@link #deliveries}. */
    interface FrameWriter {

        /** Writes {@code frame}, as its update when {@code lastSeq} is the frame before it, else as its snapshot. */
        void write(Frame frame, long lastSeq);
    }

    /** Nothing changed for a while: a WebSocket ping or an SSE comment keeps the connection open. */
    enum Heartbeat implements Delivery {
        INSTANCE
    }

    private final AtomicReference<Frame> pending = new AtomicReference<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final LiveMetrics metrics;
    private volatile boolean heartbeatDue;
    private volatile FluxSink<Delivery> sink;
    private volatile long stalledSince;
    private volatile boolean closed;
    private final AtomicBoolean left = new AtomicBoolean();
    private final ClientChannel channel;
    private final Runnable unwatch;
    private volatile FrameWriter writer;
    /** Seq of the last frame handed to the transport; -1 before the first. Touched only while draining. */
    private long lastSeq = -1;
    private Consumer<Outbox> onClose = outbox -> {
    };

    /**
     * An outbox for the client on {@code channel}: frames are handed over only while that
     * connection is writable, and it is what {@link #abort} drops.
     */
    Outbox(LiveMetrics metrics, ClientChannel channel) {
        this.metrics = metrics;
        this.channel = channel;
        this.unwatch = channel.onWritable(this::drain);
    }

    /** Where offering a frame is cheapest: the client's event loop (null: anywhere). */
    Executor eventLoop() {
        return channel.eventLoop();
    }

    /**
     * The deliveries, on demand; subscribe once. Cancelling it (the client left) closes the outbox.
     * A sink without a buffer: {@link #drain} emits only against demand, so nothing is ever
     * queued here (a sink that is told of every request, hence {@code create}, not {@code push}).
     */
    Flux<Delivery> deliveries() {
        return Flux.create(s -> {
            s.onRequest(n -> drain());
            s.onDispose(this::leave);
            sink = s;
            drain();
        }, FluxSink.OverflowStrategy.ERROR);
    }

    /**
     * Has frames written by {@code writer} as soon as the connection is writable, rather than
     * emitted on {@link #deliveries} against demand (which then carries only heartbeats and the
     * end); set before subscribing. Frames still leave only once {@link #deliveries} is subscribed.
     */
    void writeFramesWith(FrameWriter writer) {
        this.writer = writer;
    }

    /** Called once when the outbox closes, whoever closed it; set before subscribing. */
    void onClose(Consumer<Outbox> callback) {
        this.onClose = callback;
    }

    /** Closes the outbox and runs {@link #onClose} if not done yet. Idempotent. */
    void leave() {
        closed = true;
        if (left.compareAndSet(false, true)) {
            unwatch.run();
            onClose.accept(this);
        }
    }

    /**
     * For a client that stopped taking frames: a polite close could wait forever behind the
     * writes it does not read, so the connection is dropped.
     */
    void abort() {
        close();
        channel.abort();
        leave();
    }

    /** Makes {@code frame} the next thing to send, replacing a frame not yet taken. */
    void offer(Frame frame) {
        Frame replaced = pending.getAndSet(frame);
        if (replaced != null && replaced != frame) {
            metrics.conflatedForSlowClient();
        }
        drain();
    }

    void heartbeat() {
        heartbeatDue = true;
        drain();
    }

    /** Whether frames have waited for the transport's demand since before {@code deadline} (System.nanoTime). */
    boolean stalledBefore(long deadline) {
        long since = stalledSince;
        return since != 0 && since - deadline < 0;
    }

    boolean isClosed() {
        return closed;
    }

    /** Ends the deliveries; the transport then closes the connection. */
    void close() {
        FluxSink<Delivery> s = sink;
        closed = true;
        if (s != null) {
            s.complete();
        }
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            FluxSink<Delivery> s = sink;
            if (s != null && !closed) {
                FrameWriter direct = writer;
                while ((direct != null || s.requestedFromDownstream() > 0) && channel.writable()) {
                    Frame frame = pending.getAndSet(null);
                    if (frame != null) {
                        if (frame.seq > lastSeq) {
                            long previous = lastSeq;
                            lastSeq = frame.seq;
                            heartbeatDue = false;
                            metrics.sent(frame, previous);
                            if (direct != null) {
                                direct.write(frame, previous);
                            }
                            else {
                                s.next(new Message(frame, previous));
                            }
                        }
                    }
                    else if (heartbeatDue && s.requestedFromDownstream() > 0) {
                        heartbeatDue = false;
                        s.next(Heartbeat.INSTANCE);
                    }
                    else {
                        break;
                    }
                }
                if (pending.get() == null) {
                    stalledSince = 0;
                }
                else if (stalledSince == 0) {
                    stalledSince = nonZero(System.nanoTime());
                }
            }
        }
        while (wip.decrementAndGet() != 0);
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }
}
