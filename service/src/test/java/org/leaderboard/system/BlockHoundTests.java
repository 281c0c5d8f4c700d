package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;

/** Proves BlockHound is active in every test run, so the integration tests would catch a blocking call. */
class BlockHoundTests {

    @Test
    void blockingOnANonBlockingThreadFails() {
        assertThatThrownBy(() -> Mono.delay(Duration.ofMillis(1))
                .doOnNext(tick -> {
                    try {
                        Thread.sleep(5);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                })
                .block())
                .hasCauseInstanceOf(BlockingOperationError.class);
    }
}
