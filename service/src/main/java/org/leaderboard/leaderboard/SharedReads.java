package org.leaderboard.leaderboard;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import reactor.core.publisher.Mono;

/**
 * Shares one Redis read among the requests for the same figures: during a surge thousands of
 * spectators reload the same totals and top 10, and each distinct read then costs one script
 * call per {@code maxAge}, not one per request. A request joins the read of its key that started
 * less than {@code maxAge} ago (still running or answered), so an answer is at most that much
 * older than Redis; a change this instance writes to a campaign forgets its reads at once, so
 * only changes written by other instances wait out the age. Failed reads are not shared past
 * their own requests. Memory is bounded: past {@link #MAX_KEYS} keys, every read kept is dropped.
 */
final class SharedReads {

    static final int MAX_KEYS = 20_000;
    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Map<String, Shared<?>>> byCampaign = new ConcurrentHashMap<>();
    /** Keys kept, about (updated without a lock): what the bound is checked against. */
    private final AtomicInteger keys = new AtomicInteger();
    private final Counter fromRedis;
    private final Counter shared;

    private record Shared<T>(Mono<T> read, long startedAt) {
    }

    SharedReads(Duration maxAge, LongSupplier nanoTime, MeterRegistry registry) {
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative, got " + maxAge);
        }
        this.maxAgeNanos = maxAge.toNanos();
        this.nanoTime = nanoTime;
        this.fromRedis = Counter.builder("leaderboard.reads").tag("source", "redis")
                .description("Read API figures read from Redis").register(registry);
        this.shared = Counter.builder("leaderboard.reads").tag("source", "shared")
                .description("Read API requests answered by a read (or a rendering) of the same figures that another request started")
                .register(registry);
    }

    /**
     * What {@code read} answers (figures read from Redis, or an answer rendered from them) under
     * {@code key} of the campaign, or the answer of a recent read of the same key.
     */
    @SuppressWarnings("unchecked")
    <T> Mono<T> read(String campaignId, String key, Supplier<Mono<T>> read) {
        if (maxAgeNanos == 0) {
            return Mono.defer(() -> {
                fromRedis.increment();
                return read.get();
            });
        }
        return Mono.defer(() -> {
            long now = nanoTime.getAsLong();
            Map<String, Shared<?>> reads = byCampaign.computeIfAbsent(campaignId, c -> new ConcurrentHashMap<>());
            Shared<?> hit = reads.get(key);
            if (hit == null || now - hit.startedAt() >= maxAgeNanos) {
                if (hit == null && keys.incrementAndGet() > MAX_KEYS) {
                    keys.set(0);
                    byCampaign.clear();
                }
                // compute: of requests racing past a stale read, one starts the next and the others join it.
                Shared<?> stale = hit;
                hit = reads.compute(key, (k, current) -> current != null && current != stale
                        && now - current.startedAt() < maxAgeNanos ? current : started(read, now));
                if (hit.startedAt() == now) {
                    return (Mono<T>) hit.read();
                }
            }
            shared.increment();
            return (Mono<T>) hit.read();
        });
    }

    private <T> Shared<T> started(Supplier<Mono<T>> read, long now) {
        // An answer (or its absence) is shared; an error only with the requests already waiting for it.
        Mono<T> first = Mono.defer(read).doOnSubscribe(subscription -> fromRedis.increment());
        return new Shared<>(first.cache(value -> FOREVER, error -> Duration.ZERO, () -> FOREVER), now);
    }

    /** Forgets the campaign's reads: the next request for any of its figures reads Redis. */
    void forget(String campaignId) {
        Map<String, Shared<?>> reads = byCampaign.remove(campaignId);
        if (reads != null) {
            keys.addAndGet(-reads.size());
        }
    }
}
