package org.leaderboard.leaderboard;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Notices milestones reached and records each once: PostgreSQL decides (a conditional update, so
 * however many instances look at once one records it), then the live state learns the time and
 * every stream announces it. Checked after each applied batch that leaves a milestone pending,
 * after an organizer changes what a milestone measures, and after a rebuild (which also repairs a
 * crash between the two writes: PostgreSQL already holds the time, Redis gets it again).
 */
@Component
public class MilestoneWatch implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(MilestoneWatch.class);
    private static final int CONCURRENCY = 4;

    private final LeaderboardStore store;
    private final ViralDefinitions definitions;
    /** Campaigns to check; a burst of batches for one campaign asks once. */
    private final Set<String> due = ConcurrentHashMap.newKeySet();
    private final Sinks.Many<Boolean> wake = Sinks.many().unicast().onBackpressureBuffer(
            new ArrayBlockingQueue<>(1));
    private final Disposable loop;

    MilestoneWatch(LeaderboardStore store, ViralDefinitions definitions) {
        this.store = store;
        this.definitions = definitions;
        store.onMilestonesDue(this::due);
        loop = wake.asFlux()
                .concatMap(signal -> Flux.fromIterable(List.copyOf(due))
                        .doOnNext(due::remove)
                        .flatMap(campaignId -> check(campaignId).onErrorResume(error -> {
                            log.warn("Checking the milestones of campaign '{}' failed, will retry at its next batch: {}",
                                    campaignId, error.toString());
                            return Mono.empty();
                        }), CONCURRENCY)
                        .then(), 1)
                .subscribe();
    }

    @Override
    public void destroy() {
        loop.dispose();
    }

    private void due(String campaignId) {
        due.add(campaignId);
        wake.tryEmitNext(true);
    }

    /**
     * Records the campaign's milestones its live figures have reached and saves them into its
     * live state, including ones PostgreSQL recorded earlier that Redis does not show yet.
     */
    public Mono<Void> check(String campaignId) {
        return store.summary(campaignId).flatMap(summary -> {
            List<Milestone> pending = summary.viral().milestones().stream()
                    .filter(m -> m.reachedAt() == null && m.value(summary.totals()) >= m.threshold())
                    .toList();
            if (pending.isEmpty()) {
                return Mono.empty();
            }
            return definitions.markReached(campaignId, pending.stream().map(Milestone::id).toList())
                    // Every pending one PostgreSQL holds as reached: this call's, or an earlier one's
                    // that did not reach Redis.
                    .then(definitions.campaign(campaignId))
                    .flatMap(campaign -> Flux.fromIterable(campaign.milestones())
                            .filter(m -> m.reachedAt() != null && pending.stream().anyMatch(p -> p.id().equals(m.id())))
                            .concatMap(m -> store.putMilestone(campaignId, m))
                            .then());
        }).onErrorResume(LiveStateMissing.class, missing -> Mono.empty());
    }

    /** Checks every campaign with viral definitions (after a rebuild). */
    Mono<Void> checkAll() {
        return definitions.all().flatMapMany(all -> Flux.fromIterable(all.keySet()))
                .flatMap(this::check, CONCURRENCY)
                .then();
    }
}
