package org.leaderboard.loadtest;

import java.util.Locale;

/**
 * Latencies in fixed buckets of 100 µs up to 30 s (beyond: one overflow bucket, with the exact
 * maximum kept), so recording is one array increment: the spectator bench records about a
 * million lags a second at 10,000 clients. Not thread-safe: one per event loop, merged at the end.
 */
final class SpectatorHistogram {

    private static final long BUCKET_NANOS = 100_000;
    private static final int BUCKETS = 300_000; // 30 s

    private final long[] counts = new long[BUCKETS + 1];
    private long total;
    private long maxNanos;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        int i = (int) Math.min(BUCKETS, v / BUCKET_NANOS);
        counts[i]++;
        total++;
        if (v > maxNanos) maxNanos = v;
    }

    /** Adds {@code n} samples to bucket {@code bucket} (as another process counted them). */
    void addBucket(int bucket, long n) {
        counts[Math.min(BUCKETS, Math.max(0, bucket))] += n;
        total += n;
    }

    /** Raises the maximum to {@code nanos} if it is higher. */
    void atLeastMax(long nanos) {
        if (nanos > maxNanos) maxNanos = nanos;
    }

    void add(SpectatorHistogram other) {
        for (int i = 0; i <= BUCKETS; i++) counts[i] += other.counts[i];
        total += other.total;
        maxNanos = Math.max(maxNanos, other.maxNanos);
    }

    SpectatorHistogram copy() {
        SpectatorHistogram c = new SpectatorHistogram();
        c.add(this);
        return c;
    }

    long count() {
        return total;
    }

    /** Upper bound of the bucket holding the given percentile, in ms (the exact max for 100). */
    double percentileMs(double percentile) {
        if (total == 0) return 0;
        if (percentile >= 100) return maxMs();
        long rank = (long) Math.ceil(total * percentile / 100.0);
        long seen = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            seen += counts[i];
            if (seen >= Math.max(1, rank)) {
                return i == BUCKETS ? maxMs() : Math.min(maxMs(), (i + 1) * BUCKET_NANOS / 1e6);
            }
        }
        return maxMs();
    }

    double maxMs() {
        return maxNanos / 1e6;
    }

    String summary() {
        if (total == 0) return "n=0";
        return String.format(Locale.ROOT, "n=%d p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms",
                total, percentileMs(50), percentileMs(90), percentileMs(99), percentileMs(99.9), maxMs());
    }
}
