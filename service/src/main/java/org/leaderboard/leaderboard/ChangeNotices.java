package org.leaderboard.leaderboard;

import java.time.Duration;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The "campaign changed" notices, over Redis pub/sub: every script that changes a campaign's
 * figures publishes one on {@code lb:{c}:changed}, whichever instance ran it, and organizer
 * changes kept in PostgreSQL are announced here too. One pub/sub connection per instance
 * multiplexes every campaign's channel.
 */
@Component
public class ChangeNotices implements DisposableBean {

    /** The notice of a campaign's own details (title, goal); streams then re-read them, uncached. */
    public static final String CAMPAIGN_NOTICE = "campaign";

    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private final LiveRedis redis;
    /** Created on a thread allowed to block, like the shared connection; a failure is not cached. */
    private final Mono<ReactiveRedisMessageListenerContainer> listener;
    private volatile ReactiveRedisMessageListenerContainer createdListener;

    ChangeNotices(LiveRedis redis) {
        this.redis = redis;
        this.listener = redis.connected().then(Mono.fromCallable(() -> {
            ReactiveRedisMessageListenerContainer container =
                    new ReactiveRedisMessageListenerContainer(redis.template.getConnectionFactory());
            createdListener = container;
            return container;
        }).subscribeOn(Schedulers.boundedElastic()))
                .cache(done -> FOREVER, error -> Duration.ZERO, () -> FOREVER);
    }

    /**
     * Subscribes to the campaign's notices. The outer Mono completes once Redis confirmed the
     * subscription, so a reader that reads after it cannot miss a change made in between; the
     * inner Flux then carries the notices. Hot and lossy (pub/sub): a notice sent while this
     * instance was disconnected is gone, so readers also refresh now and then. Completes never;
     * errors when the subscription fails.
     */
    public Mono<Flux<String>> subscribe(String campaignId) {
        return listener.flatMap(container -> container.receiveLater(ChannelTopic.of(LiveKeys.changeChannel(campaignId))))
                .map(messages -> messages.map(message -> message.getMessage()));
    }

    /**
     * Tells every instance's live streams that the campaign changed outside Redis (its title or
     * goal, in PostgreSQL), on the channel the scripts publish on; {@code what} names the change.
     */
    public Mono<Void> publish(String campaignId, String what) {
        return redis.connected().then(redis.template.convertAndSend(LiveKeys.changeChannel(campaignId), what)).then();
    }

    @Override
    public void destroy() {
        ReactiveRedisMessageListenerContainer container = createdListener;
        if (container != null) {
            container.destroy();
        }
    }
}
