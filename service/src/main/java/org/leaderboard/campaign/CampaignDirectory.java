package org.leaderboard.campaign;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.leaderboard.system.Ids;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Campaign and fundraiser details for the public read API, from PostgreSQL behind a short cache:
 * spectators reload pages by the thousand during a surge, and details change rarely. What does
 * not exist is cached too, for as short a time, so a flood of reads for unknown ids does not
 * reach PostgreSQL once per request; lookups that miss the cache are batched
 * ({@link BatchedLookup}), so even a flood of distinct unknown ids costs a few queries on a
 * single connection. An id that breaks the id rules cannot exist and is answered absent
 * without a query (PostgreSQL would refuse some of them, a NUL for one). A campaign or
 * fundraiser saved through this instance is cached at once, so it is never answered 404 here
 * after its PUT; one created through another instance shows within the negative TTL.
 */
@Component
public class CampaignDirectory implements CampaignChanges {

    static final Duration TTL = Duration.ofSeconds(1);
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(1);
    private static final int MAX_ENTRIES = 50_000;
    private static final int MAX_BATCH = 500;
    private static final int MAX_QUERIES = 1;
    private static final int MAX_WAITING = 20_000;

    private final CampaignStore store;
    private final ConcurrentHashMap<String, Cached<Campaign>> campaigns = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Cached<Fundraiser>> fundraisers = new ConcurrentHashMap<>();
    private final BatchedLookup<String, Campaign> campaignLookup;
    private final BatchedLookup<String, Fundraiser> fundraiserLookup;

    /** A cached answer; {@code value} is null for "does not exist". */
    private record Cached<T>(T value, long expiresAt) {
    }

    CampaignDirectory(CampaignStore store, MeterRegistry registry) {
        this.store = store;
        Counter queries = Counter.builder("leaderboard.campaign.directory.queries")
                .description("Queries the campaign directory sent to PostgreSQL on cache misses")
                .register(registry);
        this.campaignLookup = new BatchedLookup<>(
                ids -> store.findCampaigns(ids).map(c -> Map.entry(c.id(), c)),
                (id, campaign) -> remember(campaigns, id, campaign), queries::increment,
                MAX_BATCH, MAX_QUERIES, MAX_WAITING);
        this.fundraiserLookup = new BatchedLookup<>(
                keys -> store.findFundraisers(keys.stream().map(k -> k.substring(0, k.indexOf('/'))).toList(),
                        keys.stream().map(k -> k.substring(k.indexOf('/') + 1)).toList())
                        .map(f -> Map.entry(key(f.campaignId(), f.id()), f)),
                (key, fundraiser) -> remember(fundraisers, key, fundraiser), queries::increment,
                MAX_BATCH, MAX_QUERIES, MAX_WAITING);
    }

    /** The campaign, or empty when it does not exist (an id outside the id rules never does). */
    public Mono<Campaign> campaign(String id) {
        if (!Ids.isResourceId(id)) {
            return Mono.empty();
        }
        return cached(campaigns, id, campaignLookup);
    }

    public Mono<Fundraiser> fundraiser(String campaignId, String fundraiserId) {
        if (!Ids.isResourceId(campaignId) || !Ids.isResourceId(fundraiserId)) {
            return Mono.empty();
        }
        return cached(fundraisers, key(campaignId, fundraiserId), fundraiserLookup);
    }

    private static <T> Mono<T> cached(ConcurrentHashMap<String, Cached<T>> cache, String key,
            BatchedLookup<String, T> lookup) {
        Cached<T> hit = cache.get(key);
        if (hit != null && hit.expiresAt() - System.nanoTime() > 0) {
            return Mono.justOrEmpty(hit.value());
        }
        return lookup.load(key);
    }

    private static <T> void remember(ConcurrentHashMap<String, Cached<T>> cache, String key, T value) {
        if (cache.size() >= MAX_ENTRIES) {
            // Bounded: under a flood of distinct unknown ids the cache starts over rather than grows.
            cache.clear();
        }
        cache.put(key, new Cached<>(value, System.nanoTime() + (value == null ? NEGATIVE_TTL : TTL).toNanos()));
    }

    private static String key(String campaignId, String fundraiserId) {
        return campaignId + "/" + fundraiserId;
    }

    /** Drops the cached details of a campaign that changed, so the next read sees the change. */
    public void forget(String campaignId) {
        campaigns.remove(campaignId);
    }

    @Override
    public Mono<Void> campaignCreating(String campaignId) {
        return Mono.empty();
    }

    @Override
    public Mono<Void> campaignSaved(Campaign campaign) {
        return Mono.fromRunnable(() -> remember(campaigns, campaign.id(), campaign));
    }

    @Override
    public Mono<Void> teamSaved(Team team) {
        return Mono.empty();
    }

    @Override
    public Mono<Void> fundraiserSaved(Fundraiser fundraiser) {
        return Mono.fromRunnable(() -> remember(fundraisers, key(fundraiser.campaignId(), fundraiser.id()),
                fundraiser));
    }

    /** The id of every campaign, uncached: for a rebuild, inside its transaction. */
    public Flux<String> campaignIds() {
        return store.campaignIds();
    }

    /** Every fundraiser of every campaign, uncached: for a rebuild, inside its transaction. */
    public Flux<Fundraiser> allFundraisers() {
        return store.allFundraisers();
    }

    /** Every team of every campaign, uncached: for a rebuild, inside its transaction. */
    public Flux<Team> allTeams() {
        return store.allTeams();
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
