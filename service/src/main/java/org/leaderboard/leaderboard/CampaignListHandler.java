package org.leaderboard.leaderboard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.leaderboard.campaign.Campaign;
import org.leaderboard.campaign.CampaignDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;

/**
 * {@code GET /api/campaigns} for the organizer console: every campaign with its details and its
 * live figures. A figure is exact or absent (API.md): while a campaign's live state is missing
 * (Redis lost it and the rebuild has not swapped it in yet) or Redis cannot be reached, it is still
 * listed, so an organizer can keep editing them, with {@code raisedMinor}, {@code donationCount}
 * and {@code shareCount} null rather than a zero that reads as "nothing raised".
 */
@Component
class CampaignListHandler {

    private static final Logger log = LoggerFactory.getLogger(CampaignListHandler.class);
    /** Campaigns whose totals are read from Redis at once. */
    private static final int READS_IN_FLIGHT = 8;

    private final CampaignDirectory directory;
    private final LeaderboardStore store;

    CampaignListHandler(CampaignDirectory directory, LeaderboardStore store) {
        this.directory = directory;
        this.store = store;
    }

    Mono<ServerResponse> list(ServerRequest request) {
        return directory.allCampaigns()
                .flatMapSequential(campaign -> figures(campaign).map(totals -> json(campaign, totals.orElse(null))),
                        READS_IN_FLIGHT)
                .collectList()
                .flatMap(campaigns -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .cacheControl(CacheControl.noStore())
                        .bodyValue(Map.of("campaigns", campaigns)));
    }

    /** A campaign's totals, or none (never zeros) while its live state is missing or Redis cannot be read. */
    private Mono<Optional<Totals>> figures(Campaign campaign) {
        return store.totals(campaign.id()).map(Optional::of)
                .onErrorResume(LiveStateMissing.class, missing -> Mono.just(Optional.empty()))
                .onErrorResume(error -> {
            log.warn("Listing campaign '{}' without its figures: {}", campaign.id(), error.toString());
            return Mono.just(Optional.empty());
        });
    }

    private Map<String, Object> json(Campaign campaign, Totals totals) {
        Map<String, Object> json = new LinkedHashMap<>(directory.campaignJson(campaign));
        json.put("raisedMinor", totals == null ? null : totals.raisedMinor());
        json.put("donationCount", totals == null ? null : totals.donationCount());
        json.put("shareCount", totals == null ? null : totals.shareCount());
        return json;
    }
}
