package org.leaderboard.system;

import java.time.Duration;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Pings Redis once while the service starts, before its web server takes requests: a service
 * started without Redis would come up answering 503 to every read and stream, so a newcomer whose
 * Redis is not running gets one clear start-up failure instead (see
 * {@link BackingServiceFailureAnalyzer}). Redis lost later is survived (reads answer 503, the
 * ledger keeps every event and a rebuild follows its return). Runs on the start-up thread, which
 * may block.
 */
@Component
class RedisStartupCheck implements SmartInitializingSingleton {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ReactiveRedisConnectionFactory redis;

    RedisStartupCheck(ReactiveRedisConnectionFactory redis) {
        this.redis = redis;
    }

    @Override
    public void afterSingletonsInstantiated() {
        try {
            ReactiveRedisConnection connection = redis.getReactiveConnection();
            try {
                connection.ping().block(TIMEOUT);
            }
            finally {
                connection.close();
            }
        }
        catch (RuntimeException ex) {
            throw new BackingServiceUnavailableException(BackingServiceUnavailableException.Service.REDIS, ex);
        }
    }
}
