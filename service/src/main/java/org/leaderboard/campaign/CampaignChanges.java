package org.leaderboard.campaign;

import reactor.core.publisher.Mono;

/**
 * Told of every campaign, team and fundraiser an organizer saved, after the commit, so derived
 * views (the live boards' names and team sums, the goal on live screens) follow.
 * Implementations of the *Saved methods must not fail the request.
 */
public interface CampaignChanges {

    /**
     * A campaign that does not exist yet is about to be created, with no events: derived views
     * may set up its (empty) state, before any event can reference it. A failure fails the
     * request, and nothing is created.
     */
    Mono<Void> campaignCreating(String campaignId);

    Mono<Void> campaignSaved(Campaign campaign);

    Mono<Void> teamSaved(Team team);

    Mono<Void> fundraiserSaved(Fundraiser fundraiser);
}
