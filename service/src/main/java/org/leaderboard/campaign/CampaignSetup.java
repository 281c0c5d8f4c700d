package org.leaderboard.campaign;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sets up campaigns, teams and fundraisers for a caller inside the service (demo mode), exactly
 * as the organizer API does: the same upserts, then the same notices to the derived views (board
 * names, team sums, open streams).
 */
@Component
public class CampaignSetup {

    private final CampaignStore store;
    private final ObjectProvider<CampaignChanges> changes;

    CampaignSetup(CampaignStore store, ObjectProvider<CampaignChanges> changes) {
        this.store = store;
        this.changes = changes;
    }

    /**
     * Creates or replaces the campaign; {@code campaign.demo()} marks it as demo mode's. A campaign
     * that does not exist yet gets its (empty) live state set up first, as the organizer API does:
     * without it its reads would answer 503 until the next rebuild.
     */
    public Mono<Campaign> campaign(Campaign campaign) {
        String id = campaign.id();
        return store.findCampaign(id).hasElement()
                .flatMap(exists -> exists ? Mono.<Void>empty()
                        : Flux.fromStream(changes::orderedStream).concatMap(c -> c.campaignCreating(id)).then())
                .then(store.saveCampaign(campaign))
                .flatMap(saved -> Flux.fromStream(changes::orderedStream)
                        .concatMap(c -> c.campaignSaved(saved.value())).then().thenReturn(saved.value()));
    }

    public Mono<Team> team(String campaignId, String teamId, String name) {
        return store.saveTeam(campaignId, teamId, name).flatMap(saved -> Flux.fromStream(changes::orderedStream)
                .concatMap(c -> c.teamSaved(saved.value())).then().thenReturn(saved.value()));
    }

    public Mono<Fundraiser> fundraiser(Fundraiser fundraiser) {
        return store.saveFundraiser(fundraiser).flatMap(saved -> Flux.fromStream(changes::orderedStream)
                .concatMap(c -> c.fundraiserSaved(saved.value())).then().thenReturn(saved.value()));
    }
}
