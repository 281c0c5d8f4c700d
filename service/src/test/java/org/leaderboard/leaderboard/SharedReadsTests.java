package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Sharing reads among requests, on a clock the test moves and reads it answers by hand: which
 * requests share a read, for how long, and what ends the sharing. (The same component against
 * Redis and the HTTP API: ReadSharingIntegrationTests.)
 */
class SharedReadsTests {

    static final Duration MAX_AGE = Duration.ofMillis(50);

    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final SharedReads reads = new SharedReads(MAX_AGE, nanos::get, registry);

    /** A read that answers when the test says so, counting how often it was started. */
    static final class ManualRead {
        final AtomicInteger started = new AtomicInteger();
        final List<Sinks.One<String>> pending = new ArrayList<>();

        Mono<String> start() {
            started.incrementAndGet();
            Sinks.One<String> sink = Sinks.one();
            pending.add(sink);
            return sink.asMono();
        }

        void answer(String value) {
            pending.remove(0).tryEmitValue(value);
        }

        void fail(RuntimeException error) {
            pending.remove(0).tryEmitError(error);
        }
    }

    @Test
    void requestsWithinMaxAgeShareOneReadRunningOrAnswered() {
        ManualRead redis = new ManualRead();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            reads.read("c", "totals", redis::start).subscribe(answers::add);
        }
        assertThat(redis.started).as("100 requests while the read runs").hasValue(1);
        redis.answer("v1");
        assertThat(answers).hasSize(100).containsOnly("v1");

        nanos.addAndGet(MAX_AGE.toNanos() - 1);
        StepVerifier.create(reads.read("c", "totals", redis::start)).expectNext("v1").verifyComplete();
        assertThat(redis.started).as("answered less than max-age ago").hasValue(1);

        nanos.addAndGet(1);
        Mono<String> next = reads.read("c", "totals", redis::start);
        StepVerifier.create(next).then(() -> redis.answer("v2")).expectNext("v2").verifyComplete();
        assertThat(redis.started).as("max-age after the read started").hasValue(2);

        assertThat(registry.get("leaderboard.reads").tag("source", "redis").counter().count()).isEqualTo(2);
        assertThat(registry.get("leaderboard.reads").tag("source", "shared").counter().count()).isEqualTo(100);
    }

    @Test
    void keysAndCampaignsAreReadApart() {
        ManualRead redis = new ManualRead();
        reads.read("c", "totals", redis::start).subscribe();
        reads.read("c", "board:fundraisers:0:10", redis::start).subscribe();
        reads.read("d", "totals", redis::start).subscribe();
        assertThat(redis.started).hasValue(3);
    }

    @Test
    void aWriteForgetsTheCampaignsReadsAtOnce() {
        ManualRead redis = new ManualRead();
        StepVerifier.create(reads.read("c", "totals", redis::start)).then(() -> redis.answer("before"))
                .expectNext("before").verifyComplete();
        StepVerifier.create(reads.read("d", "totals", redis::start)).then(() -> redis.answer("other"))
                .expectNext("other").verifyComplete();

        reads.forget("c");

        StepVerifier.create(reads.read("c", "totals", redis::start)).then(() -> redis.answer("after"))
                .expectNext("after").verifyComplete();
        StepVerifier.create(reads.read("d", "totals", redis::start)).expectNext("other").verifyComplete();
        assertThat(redis.started).as("only the forgotten campaign is read again").hasValue(3);
    }

    @Test
    void aFailedReadReachesItsWaitersOnlyAndTheNextRequestReadsAgain() {
        ManualRead redis = new ManualRead();
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            reads.read("c", "totals", redis::start).subscribe(value -> {
            }, errors::add);
        }
        redis.fail(new IllegalStateException("Redis command timed out"));
        assertThat(errors).hasSize(3).allSatisfy(e -> assertThat(e).hasMessage("Redis command timed out"));

        StepVerifier.create(reads.read("c", "totals", redis::start)).then(() -> redis.answer("recovered"))
                .expectNext("recovered").verifyComplete();
        assertThat(redis.started).hasValue(2);
    }

    @Test
    void anEmptyAnswerIsSharedToo() {
        AtomicInteger started = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            StepVerifier.create(reads.read("c", "standing:nobody", () -> {
                started.incrementAndGet();
                return Mono.<String>empty();
            })).verifyComplete();
        }
        assertThat(started).hasValue(1);
    }

    @Test
    void maxAgeZeroReadsEveryTime() {
        SharedReads unshared = new SharedReads(Duration.ZERO, nanos::get, new SimpleMeterRegistry());
        AtomicInteger started = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            StepVerifier.create(unshared.read("c", "totals", () -> Mono.just("v" + started.incrementAndGet())))
                    .expectNext("v" + (i + 1)).verifyComplete();
        }
    }

    @Test
    void pastMaxKeysEveryReadKeptIsDropped() {
        AtomicInteger started = new AtomicInteger();
        for (int i = 0; i < SharedReads.MAX_KEYS; i++) {
            reads.read("c", "standing:f" + i, () -> Mono.just("v" + started.incrementAndGet())).block();
        }
        reads.read("c", "standing:f0", () -> Mono.just("again")).block();
        assertThat(started).as("all kept").hasValue(SharedReads.MAX_KEYS);

        reads.read("c", "standing:one-too-many", () -> Mono.just("new")).block();
        assertThat(reads.read("c", "standing:f0", () -> Mono.just("read again")).block())
                .as("kept reads were dropped").isEqualTo("read again");
    }
}
