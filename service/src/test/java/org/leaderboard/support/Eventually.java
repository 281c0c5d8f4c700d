package org.leaderboard.support;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** A deadline-bound poll for conditions a test cannot be notified of. */
public final class Eventually {

    private Eventually() {
    }

    /**
     * Polls {@code probe} until {@code done} holds or {@code deadline} passes, and answers the last
     * value either way (the caller asserts on it, so a timeout fails with what was last seen).
     */
    public static <T> T await(Duration deadline, Supplier<T> probe, Predicate<T> done) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            T value = probe.get();
            if (done.test(value) || System.nanoTime() - end > 0) {
                return value;
            }
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
    }
}
