package org.leaderboard.leaderboard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The Redis connection the owners of the live keys share, and their Lua scripts. Lettuce opens
 * its shared connection synchronously on first use, so that happens here, once, on a thread
 * allowed to block, never on an event loop; a failure is not cached, the next call tries again.
 */
@Component
class LiveRedis {

    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    final ReactiveStringRedisTemplate template;
    private final Mono<Void> connected;

    LiveRedis(ReactiveStringRedisTemplate template) {
        this.template = template;
        this.connected = Mono.fromCallable(() -> template.getConnectionFactory().getReactiveConnection())
                .flatMap(ReactiveRedisConnection::closeLater)
                .subscribeOn(Schedulers.boundedElastic())
                .cache(done -> FOREVER, error -> Duration.ZERO, () -> FOREVER);
    }

    /** Completes once the shared connection is open. */
    Mono<Void> connected() {
        return connected;
    }

    /**
     * The script {@code redis/<name>.lua}, preceded by the shared functions of {@code libraries}
     * it calls. Read once here, digest included: a script backed by a Resource re-checks the file
     * on every call, which would be blocking I/O on an event loop.
     */
    static <T> RedisScript<T> script(String name, Class<T> resultType, String... libraries) {
        StringBuilder text = new StringBuilder();
        for (String part : libraries) {
            text.append(source("lib/" + part)).append('\n');
        }
        RedisScript<T> script = RedisScript.of(text.append(source(name)).toString(), resultType);
        script.getSha1();
        return script;
    }

    private static String source(String name) {
        ClassPathResource resource = new ClassPathResource("redis/" + name + ".lua");
        try {
            return resource.getContentAsString(StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read " + resource, ex);
        }
    }
}
