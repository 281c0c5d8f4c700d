package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.leaderboard.support.BlockHoundSessionListener;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;

/**
 * Proves BlockHound guards the running service: a handler that blocks on the Netty event loop
 * fails instead of answering, so every other integration test would catch a blocking call too.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class BlockHoundIntegrationTests {

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, "lbt_blockhound", 7);
    }

    @TestConfiguration
    static class BlockingRoutes {

        @Bean
        RouterFunction<ServerResponse> blockingRoute() {
            return RouterFunctions.route()
                    .GET("/test/park-on-event-loop", request -> {
                        LockSupport.parkNanos(1_000_000);
                        return ServerResponse.ok().bodyValue("parked");
                    })
                    .GET("/test/sleep-on-event-loop", request -> {
                        try {
                            Thread.sleep(5);
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                        return ServerResponse.ok().bodyValue("slept");
                    })
                    .GET("/test/sleep-on-parallel", request -> Mono.delay(Duration.ofMillis(1))
                            .doOnNext(tick -> {
                                try {
                                    Thread.sleep(5);
                                }
                                catch (InterruptedException ex) {
                                    Thread.currentThread().interrupt();
                                }
                            })
                            .then(ServerResponse.ok().bodyValue("slept")))
                    .build();
        }
    }

    @Autowired
    WebTestClient http;

    @Test
    void blockingOnTheEventLoopFails() {
        int before = BlockHoundSessionListener.DETECTIONS.get();
        http.get().uri("/test/sleep-on-event-loop").exchange()
                .expectStatus().is5xxServerError();
        assertThat(BlockHoundSessionListener.DETECTIONS.get()).as("BlockHound caught it").isGreaterThan(before);
    }

    @Test
    void parkingOnTheEventLoopFails() {
        int before = BlockHoundSessionListener.DETECTIONS.get();
        http.get().uri("/test/park-on-event-loop").exchange()
                .expectStatus().is5xxServerError();
        assertThat(BlockHoundSessionListener.DETECTIONS.get()).as("BlockHound caught it").isGreaterThan(before);
    }

    @Test
    void blockingOnAReactorParallelThreadFails() {
        int before = BlockHoundSessionListener.DETECTIONS.get();
        http.get().uri("/test/sleep-on-parallel").exchange()
                .expectStatus().is5xxServerError();
        assertThat(BlockHoundSessionListener.DETECTIONS.get()).as("BlockHound caught it").isGreaterThan(before);
    }

    @Test
    void theServiceItselfAnswers() {
        http.get().uri("/readyz").exchange().expectStatus().isOk();
    }
}
