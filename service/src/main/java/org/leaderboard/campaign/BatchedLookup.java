package org.leaderboard.campaign;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

import org.leaderboard.system.ApiProblem;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Looks keys up in PostgreSQL many at a time: callers asking for keys the cache does not hold
 * share one query per batch (the same key asked twice shares its answer), at most
 * {@code maxQueries} queries run at once, and at most {@code maxWaiting} distinct keys wait, so a
 * flood of reads for ids that do not exist costs a few set-based queries and never more than a
 * few of the connections that group commits need. Beyond the waiting bound a caller gets 503 at
 * once.
 */
final class BatchedLookup<K, V> {

    private final Function<List<K>, Flux<Map.Entry<K, V>>> query;
    private final BiConsumer<K, V> loaded;
    private final Runnable counted;
    private final int maxBatch;
    private final int maxQueries;
    private final int maxWaiting;
    private final Map<K, Sinks.One<Optional<V>>> waiting = new LinkedHashMap<>();
    private final Map<K, Sinks.One<Optional<V>>> running = new HashMap<>();
    private int queries;

    /**
     * @param query finds the keys that exist, with their values (one round trip)
     * @param loaded told of every key looked up, with its value or {@code null} when it does not
     *        exist, before the callers waiting for it are answered (to fill a cache)
     * @param counted told of every query sent
     */
    BatchedLookup(Function<List<K>, Flux<Map.Entry<K, V>>> query, BiConsumer<K, V> loaded, Runnable counted,
            int maxBatch, int maxQueries, int maxWaiting) {
        this.query = query;
        this.loaded = loaded;
        this.counted = counted;
        this.maxBatch = maxBatch;
        this.maxQueries = maxQueries;
        this.maxWaiting = maxWaiting;
    }

    /** The key's value, empty when it does not exist. */
    Mono<V> load(K key) {
        Sinks.One<Optional<V>> answer;
        synchronized (this) {
            answer = running.get(key);
            if (answer == null) {
                answer = waiting.get(key);
            }
            if (answer == null) {
                if (waiting.size() >= maxWaiting) {
                    return Mono.error(ApiProblem.unavailable("Too many lookups are waiting; retry shortly", 1));
                }
                answer = Sinks.one();
                waiting.put(key, answer);
            }
        }
        start();
        return answer.asMono().flatMap(Mono::justOrEmpty);
    }

    private void start() {
        while (true) {
            Map<K, Sinks.One<Optional<V>>> batch = new LinkedHashMap<>();
            synchronized (this) {
                if (queries >= maxQueries || waiting.isEmpty()) {
                    return;
                }
                Iterator<Map.Entry<K, Sinks.One<Optional<V>>>> it = waiting.entrySet().iterator();
                while (batch.size() < maxBatch && it.hasNext()) {
                    Map.Entry<K, Sinks.One<Optional<V>>> next = it.next();
                    batch.put(next.getKey(), next.getValue());
                    it.remove();
                }
                running.putAll(batch);
                queries++;
            }
            run(batch);
        }
    }

    private void run(Map<K, Sinks.One<Optional<V>>> batch) {
        Map<K, V> found = new HashMap<>();
        counted.run();
        Flux.defer(() -> query.apply(new ArrayList<>(batch.keySet())))
                .subscribe(entry -> found.put(entry.getKey(), entry.getValue()),
                        error -> finish(batch, found, error),
                        () -> finish(batch, found, null));
    }

    private void finish(Map<K, Sinks.One<Optional<V>>> batch, Map<K, V> found, Throwable error) {
        if (error == null) {
            batch.forEach((key, answer) -> loaded.accept(key, found.get(key)));
        }
        synchronized (this) {
            queries--;
            batch.keySet().forEach(running::remove);
        }
        batch.forEach((key, answer) -> {
            if (error != null) {
                answer.tryEmitError(error);
            }
            else {
                answer.tryEmitValue(Optional.ofNullable(found.get(key)));
            }
        });
        start();
    }
}
