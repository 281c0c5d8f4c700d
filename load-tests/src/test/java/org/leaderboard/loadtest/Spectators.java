package org.leaderboard.loadtest;

import java.net.URI;

/**
 * The spectators of one SpectatorBench run: the Netty client in this JVM ({@link SpectatorClients})
 * or the native one in its own process ({@link NativeSpectators}). Both count the same things the
 * same way; {@link #collect} merges them at the end.
 */
interface Spectators extends AutoCloseable {

    URI streamUri();

    /** Opens {@code n} connections at {@code perSecond}; returns once they are all started or starting. */
    void connect(int n, double perSecond) throws Exception;

    /** Waits until every started connection has its snapshot or failed, or the time is up. */
    boolean awaitSettled(long timeoutNanos) throws Exception;

    /** Connections whose snapshot arrived and that are still open. */
    int open() throws Exception;

    int failed() throws Exception;

    int closedAfterSnapshot() throws Exception;

    /** Frames received so far, for the progress lines. */
    long framesSoFar() throws Exception;

    /** Frames that arrive in [from, to) (System.nanoTime()) count towards frames/s. */
    void measureWindow(long fromNanos, long toNanos) throws Exception;

    /**
     * How far the client lagged behind its sockets since the previous call, ns; call about once a
     * second.
     */
    long probeLoops() throws Exception;

    /** The longest such lag inside the measured window, ns. */
    long maxLoopDelayNanos() throws Exception;

    /** What the client's loops wait for: the wording of the result line. */
    String loopDelayMeaning();

    /** What every connection counted, merged; {@code expectCount/expectRaised}: the final totals. */
    SpectatorClients.Collected collect(long expectCount, long expectRaised) throws Exception;

    /** Why connections failed before their snapshot, or closed after it. */
    String reasons() throws Exception;

    @Override
    void close() throws Exception;
}
