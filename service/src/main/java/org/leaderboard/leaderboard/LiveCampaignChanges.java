package org.leaderboard.leaderboard;

import org.leaderboard.campaign.Campaign;
import org.leaderboard.campaign.CampaignChanges;
import org.leaderboard.campaign.Fundraiser;
import org.leaderboard.campaign.Team;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;

/**
 * Carries organizer changes that the boards show (names, a fundraiser's team) to Redis right
 * after PostgreSQL committed them. If Redis cannot take them, a rebuild is requested: the
 * organizer's request still succeeds, the ledger being the truth.
 */
@Component
class LiveCampaignChanges implements CampaignChanges {

    private static final Logger log = LoggerFactory.getLogger(LiveCampaignChanges.class);

    private final LeaderboardStore store;
    private final ChangeNotices notices;
    private final LiveApplier applier;

    LiveCampaignChanges(LeaderboardStore store, ChangeNotices notices, LiveApplier applier) {
        this.store = store;
        this.notices = notices;
        this.applier = applier;
    }

    /**
     * A new campaign's live state is set up, empty, before its row is committed: an event can
     * only name a committed campaign, so none is ever applied before its state exists. When Redis
     * cannot take it, the creation fails with 503 and nothing is created.
     */
    @Override
    public Mono<Void> campaignCreating(String campaignId) {
        return store.establish(campaignId).then();
    }

    /**
     * A campaign's details live in PostgreSQL only, so nothing in Redis needs rebuilding; the
     * notice makes open streams show a new goal at once (a lost one shows at the next refresh).
     */
    @Override
    public Mono<Void> campaignSaved(Campaign campaign) {
        return notices.publish(campaign.id(), ChangeNotices.CAMPAIGN_NOTICE).onErrorResume(error -> {
            log.warn("Could not tell live streams that campaign '{}' changed: {}", campaign.id(), error.toString());
            return Mono.empty();
        });
    }

    @Override
    public Mono<Void> teamSaved(Team team) {
        return recover(store.putTeam(team.campaignId(), team.id(), team.name()));
    }

    @Override
    public Mono<Void> fundraiserSaved(Fundraiser f) {
        return recover(store.putFundraiser(f.campaignId(), f.id(), f.displayName(), f.teamId()));
    }

    private Mono<Void> recover(Mono<Void> update) {
        return update.onErrorResume(error -> {
            log.warn("Could not update Redis after an organizer change; rebuilding later: {}", error.toString());
            applier.rebuild("an organizer change could not reach Redis").subscribe(result -> {
            }, rebuildError -> log.warn("Rebuild failed: {}", rebuildError.toString()));
            return Mono.empty();
        });
    }
}
