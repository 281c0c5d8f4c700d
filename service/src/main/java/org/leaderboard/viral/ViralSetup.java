package org.leaderboard.viral;

import org.leaderboard.leaderboard.LeaderboardStore;
import org.leaderboard.leaderboard.Match;
import org.leaderboard.leaderboard.Milestone;
import org.leaderboard.leaderboard.MilestoneWatch;
import org.leaderboard.leaderboard.Pledge;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;

/**
 * Saves milestones, pledges and matches the way the organizer API does, for it and for callers
 * inside the service (demo mode): PostgreSQL first, then the campaign's live state, then a look at
 * its milestones (a new one may already be reached; a pledge or match moves the grand total).
 */
@Component
public class ViralSetup {

    /** A saved definition and whether the call created it. */
    public record Saved<T>(T value, boolean created) {
    }

    private final ViralStore store;
    private final LeaderboardStore live;
    private final MilestoneWatch watch;

    ViralSetup(ViralStore store, LeaderboardStore live, MilestoneWatch watch) {
        this.store = store;
        this.live = live;
        this.watch = watch;
    }

    public Mono<Saved<Milestone>> milestone(String campaignId, Milestone milestone) {
        return store.saveMilestone(campaignId, milestone)
                .flatMap(saved -> live.putMilestone(campaignId, saved.value()).thenReturn(saved))
                .flatMap(saved -> checked(campaignId, saved));
    }

    public Mono<Saved<Pledge>> pledge(String campaignId, Pledge pledge) {
        return store.savePledge(campaignId, pledge)
                .flatMap(saved -> live.putPledge(campaignId, saved.value()).thenReturn(saved))
                .flatMap(saved -> checked(campaignId, saved));
    }

    public Mono<Saved<Match>> match(String campaignId, Match match) {
        return store.saveMatch(campaignId, match)
                .flatMap(saved -> live.putMatch(campaignId, saved.value()).thenReturn(saved))
                .flatMap(saved -> checked(campaignId, saved));
    }

    /** The milestone check is a courtesy here: the next applied batch or rebuild repeats it. */
    private <T> Mono<Saved<T>> checked(String campaignId, Saved<T> saved) {
        return watch.check(campaignId).onErrorResume(error -> Mono.empty()).thenReturn(saved);
    }
}
