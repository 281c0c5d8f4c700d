package org.leaderboard.campaign;

import reactor.core.publisher.Mono;

/**
 * Told of every campaign, team and fundraiser an organizer saved, after the commit, so derived
 * views (the live boards' names and team sums, the goal on live screens) follow.
 * Implementations must not fail the request.
 */
public interface CampaignChanges {

    Mono<Void> campaignSaved(Campaign campaign);

    Mono<Void> teamSaved(Team team);

    Mono<Void> fundraiserSaved(Fundraiser fundraiser);
}
