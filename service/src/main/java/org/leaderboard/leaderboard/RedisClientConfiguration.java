package org.leaderboard.leaderboard;

import io.lettuce.core.ClientOptions;

import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Bounds Lettuce's command queue and makes commands fail at once while Redis is unreachable,
 * instead of queueing without limit until it returns: the ledger is the truth, the applier
 * re-applies what failed, and reads answer 503 rather than pile up.
 */
@Configuration(proxyBeanMethods = false)
class RedisClientConfiguration {

    static final int REQUEST_QUEUE_SIZE = 10_000;

    @Bean
    LettuceClientConfigurationBuilderCustomizer boundedLettuceQueue() {
        return builder -> builder.clientOptions(ClientOptions.builder()
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
    }
}
