package org.leaderboard.leaderboard;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

/**
 * Where a rebuild reads what organizers set up for the viral mechanics, and which milestones were
 * reached: PostgreSQL, through the viral package's store. Declared here so that the live state
 * does not depend on that package.
 */
public interface ViralDefinitions {

    /** One campaign's pledges, matches and milestones (with {@code reachedAt}). */
    record Campaign(List<Pledge> pledges, List<Match> matches, List<Milestone> milestones) {
    }

    /** One campaign's (empty lists when it has none). */
    Mono<Campaign> campaign(String campaignId);

    /** Every campaign that has any, by id. Runs on the caller's transaction, if any. */
    Mono<Map<String, Campaign>> all();

    /**
     * Records the milestones as reached now, those not reached yet only: however many callers
     * race, one records each. Answers the ones this call recorded, with the time.
     */
    Mono<Map<String, Instant>> markReached(String campaignId, List<String> milestoneIds);
}
