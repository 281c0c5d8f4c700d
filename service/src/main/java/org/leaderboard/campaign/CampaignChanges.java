package org.leaderboard.campaign;

import reactor.core.publisher.Mono;

/**
 * Told of every team and fundraiser an organizer saved, after the commit, so derived views
 * (the live boards' names and team sums) follow. Implementations must not fail the request.
 */
public interface CampaignChanges {

    Mono<Void> teamSaved(Team team);

    Mono<Void> fundraiserSaved(Fundraiser fundraiser);
}
