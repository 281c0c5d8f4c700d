package org.leaderboard.support;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * Installs BlockHound once for the whole test run, before any test starts, so that every
 * integration test fails if a blocking call runs on a Netty, Lettuce or Reactor non-blocking thread.
 * Each detection is also printed with its stack, because an error thrown deep in a codec may
 * surface only as a request that never answers.
 */
public class BlockHoundSessionListener implements LauncherSessionListener {

    /** Blocking calls BlockHound caught so far in this run (a test proving the guard counts its own). */
    public static final AtomicInteger DETECTIONS = new AtomicInteger();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        // install(...) also loads the integrations on the class path (Reactor, Netty, Spring),
        // which tell BlockHound which threads must never block.
        BlockHound.install(builder -> builder
                // Jackson takes a lock once per type, the first time it builds that type's
                // deserializer; later reads never touch it.
                .allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
                        "_createAndCacheValueDeserializer")
                // Spring Data Redis hands out its shared Lettuce connection under a lock held for
                // a field read. The one slow path, the first connect, LeaderboardStore runs on
                // boundedElastic before any command, so only the brief lock remains here.
                .allowBlockingCallsInside(
                        "org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory$SharedConnection",
                        "getConnection")
                // The same for the reactive connection: every command asks the factory for it under
                // a lock; two threads asking at once make one park for that field read.
                .allowBlockingCallsInside("org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory",
                        "getOrCreateSharedReactiveConnection")
                // Netty's own adaptive buffer allocator takes a StampedLock for a few field writes
                // when two event loops grow or return a shared magazine at the same moment: a
                // brief lock inside Netty, seen here under load, never an I/O wait.
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
                        "tryExpandMagazines")
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
                // Lettuce 7 counts a connection's writers under a ReentrantLock held for one
                // increment; two threads sending on the shared connection at once make one park
                // for that long. Throwing there is worse than a false alarm: JDK 17's lock does not
                // dequeue a waiter whose park threw, so later writers that queue behind it can wait
                // for good (the likely cause of the 30 s stuck requests once seen with large pages).
                .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
                .blockingMethodCallback(method -> {
                    DETECTIONS.incrementAndGet();
                    BlockingOperationError error = new BlockingOperationError(method);
                    System.err.println("BLOCKHOUND: blocking call on " + Thread.currentThread().getName());
                    error.printStackTrace();
                    throw error;
                }));
    }
}
