package org.leaderboard.leaderboard;

import java.time.Duration;
import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;

/**
 * Owns the global marker that says Redis holds a complete live state, and the token of the
 * rebuild in progress. A FLUSHDB or restart removes both: the applier's watcher then rebuilds.
 */
@Component
class RebuildMarker {

    private static final RedisScript<Long> MARK_REBUILT = RedisScript.of("""
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then
                return 0
            end
            redis.call('SET', KEYS[2], ARGV[2])
            redis.call('DEL', KEYS[1])
            return 1
            """, Long.class);

    private final LiveRedis redis;

    RebuildMarker(LiveRedis redis) {
        this.redis = redis;
    }

    /** Whether the marker is present; gone means Redis lost its data and every campaign needs a rebuild. */
    Mono<Boolean> present() {
        return redis.connected().then(redis.template.hasKey(LiveKeys.MARKER_KEY));
    }

    /** The marker's value; empty when it is gone. */
    Mono<String> value() {
        return redis.connected().then(redis.template.opsForValue().get(LiveKeys.MARKER_KEY));
    }

    Mono<Void> delete() {
        return redis.connected().then(redis.template.delete(LiveKeys.MARKER_KEY)).then();
    }

    /** Notes in Redis that the rebuild {@code token} has started (for {@link #markRebuilt}). */
    Mono<Void> beginRebuild(String token) {
        return redis.connected().then(redis.template.opsForValue().set(LiveKeys.REBUILD_KEY, token,
                Duration.ofHours(1))).then();
    }

    /**
     * Sets the marker to {@code value} if the rebuild {@code token} began in this Redis and it has
     * kept its data since ({@link #beginRebuild}); answers false, setting nothing, when Redis was
     * flushed or restarted meanwhile: what the rebuild swapped in before that is gone.
     */
    Mono<Boolean> markRebuilt(String token, String value) {
        return redis.connected().thenMany(redis.template.execute(MARK_REBUILT,
                List.of(LiveKeys.REBUILD_KEY, LiveKeys.MARKER_KEY), List.of(token, value)))
                .single().map(flipped -> flipped == 1L);
    }
}
