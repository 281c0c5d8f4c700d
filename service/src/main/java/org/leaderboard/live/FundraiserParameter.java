package org.leaderboard.live;

import org.leaderboard.campaign.CampaignDirectory;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.Ids;

import reactor.core.publisher.Mono;

/**
 * The streams' {@code ?fundraiser={f}} parameter: a fundraiser page's stream, which adds that
 * fundraiser's standing. A fundraiser the campaign does not have is 404 before anything is
 * streamed (before the upgrade, on a WebSocket), like an unknown campaign.
 */
final class FundraiserParameter {

    static final String NAME = "fundraiser";

    private FundraiserParameter() {
    }

    /** Completes when {@code fundraiserId} is null (no parameter) or names one of the campaign's fundraisers. */
    static Mono<Void> check(CampaignDirectory directory, String campaignId, String fundraiserId) {
        if (fundraiserId == null) {
            return Mono.empty();
        }
        if (!Ids.isResourceId(fundraiserId)) {
            return Mono.error(notFound(campaignId, fundraiserId));
        }
        return directory.fundraiser(campaignId, fundraiserId)
                .switchIfEmpty(Mono.error(() -> notFound(campaignId, fundraiserId)))
                .then();
    }

    private static ApiProblem notFound(String campaignId, String fundraiserId) {
        return ApiProblem.notFound("Fundraiser '" + fundraiserId + "' does not exist in campaign '" + campaignId + "'");
    }
}
