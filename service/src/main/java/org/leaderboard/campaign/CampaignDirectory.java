package org.leaderboard.campaign;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Campaign and fundraiser details for the public read API, from PostgreSQL behind a one-second
 * cache: spectators reload pages by the thousand during a surge, and details change rarely.
 * Only found rows are cached, so a page created a moment ago is never answered 404 for long.
 */
@Component
public class CampaignDirectory {

    private static final Duration TTL = Duration.ofSeconds(1);
    private static final int MAX_ENTRIES = 50_000;

    private final CampaignStore store;
    private final ConcurrentHashMap<String, Cached<Campaign>> campaigns = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Cached<Fundraiser>> fundraisers = new ConcurrentHashMap<>();

    private record Cached<T>(T value, long expiresAt) {
    }

    CampaignDirectory(CampaignStore store) {
        this.store = store;
    }

    public Mono<Campaign> campaign(String id) {
        return cached(campaigns, id, () -> store.findCampaign(id));
    }

    public Mono<Fundraiser> fundraiser(String campaignId, String fundraiserId) {
        return cached(fundraisers, campaignId + "/" + fundraiserId,
                () -> store.findFundraiser(campaignId, fundraiserId));
    }

    private static <T> Mono<T> cached(ConcurrentHashMap<String, Cached<T>> cache, String key,
            java.util.function.Supplier<Mono<T>> load) {
        Cached<T> hit = cache.get(key);
        long now = System.nanoTime();
        if (hit != null && hit.expiresAt() - now > 0) {
            return Mono.just(hit.value());
        }
        return load.get().doOnNext(value -> {
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(key, new Cached<>(value, System.nanoTime() + TTL.toNanos()));
        });
    }

    /** Drops the cached details of a campaign that changed, so the next read sees the change. */
    public void forget(String campaignId) {
        campaigns.remove(campaignId);
    }

    /** Every campaign, newest first, uncached: for the organizer console. */
    public Flux<Campaign> allCampaigns() {
        return store.allCampaigns();
    }

    /** Teams saved at or after {@code since}, uncached: for the live side to catch up after a rebuild. */
    public Flux<Team> teamsUpdatedSince(Instant since) {
        return store.teamsUpdatedSince(since);
    }

    /** Fundraisers saved at or after {@code since}, uncached. */
    public Flux<Fundraiser> fundraisersUpdatedSince(Instant since) {
        return store.fundraisersUpdatedSince(since);
    }

    public Map<String, Object> campaignJson(Campaign campaign) {
        return CampaignHandler.campaignJson(campaign);
    }

    public Map<String, Object> fundraiserJson(Fundraiser fundraiser) {
        return new LinkedHashMap<>(CampaignHandler.fundraiserJson(fundraiser));
    }
}
