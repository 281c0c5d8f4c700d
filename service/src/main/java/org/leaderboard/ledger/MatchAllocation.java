package org.leaderboard.ledger;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides what matching gifts give to the donations and take back on the refunds of one group
 * commit, in the order the group records them, from the matches' figures read under their row
 * locks. Pure arithmetic, so the rules are tested without a database:
 * <ul>
 * <li>a donation that occurred in a match's {@code [startsAt, endsAt)} is matched at its ratio
 * until the match's cap; several matches open at once apply one after the other, the one ending
 * first first (ties by id), each taking the part of the donation the previous ones did not
 * cover, so a euro given is matched once and the money that would lapse first is used first;</li>
 * <li>a refund releases its share of what the donation earned: after it the donation keeps
 * {@code floor(allocation x remaining / amount)} of each allocation, so a full refund releases
 * all. What is released goes back to the match's remaining cap, for donations after it.</li>
 * </ul>
 */
final class MatchAllocation {

    /** A match as its locked row shows it; {@code matchedMinor} moves as the group allocates. */
    static final class Match {

        final String campaignId;
        final String id;
        final int ratioPercent;
        final long capMinor;
        final Instant startsAt;
        final Instant endsAt;
        final long matchedBefore;
        long matchedMinor;

        Match(String campaignId, String id, int ratioPercent, long capMinor, Instant startsAt, Instant endsAt,
                long matchedMinor) {
            this.campaignId = campaignId;
            this.id = id;
            this.ratioPercent = ratioPercent;
            this.capMinor = capMinor;
            this.startsAt = startsAt;
            this.endsAt = endsAt;
            this.matchedBefore = matchedMinor;
            this.matchedMinor = matchedMinor;
        }

        long remaining() {
            return Math.max(0, capMinor - matchedMinor);
        }
    }

    /** One row of {@code match_allocations}: positive for a donation, negative for a refund's release. */
    record Row(String eventId, String matchId, String campaignId, String donationEventId, long amountMinor) {
    }

    private static final Comparator<Match> ORDER = Comparator.comparing((Match m) -> m.endsAt)
            .thenComparing(m -> m.id);

    private final Map<String, List<Match>> byCampaign = new HashMap<>();
    private final Map<String, Match> byKey = new HashMap<>();
    /** What each donation of the group (or earlier, loaded) was first allocated, per match. */
    private final Map<String, Map<String, Long>> original = new HashMap<>();
    /** What each donation still holds, per match, after the refunds seen so far. */
    private final Map<String, Map<String, Long>> held = new HashMap<>();
    private final List<Row> rows = new ArrayList<>();

    MatchAllocation(List<Match> matches) {
        for (Match m : matches) {
            byCampaign.computeIfAbsent(m.campaignId, c -> new ArrayList<>()).add(m);
            byKey.put(m.campaignId + "/" + m.id, m);
        }
        byCampaign.values().forEach(list -> list.sort(ORDER));
    }

    /** Allocations a donation recorded earlier already holds: its own row, and releases of its refunds. */
    void known(String donationEventId, String eventId, String matchId, long amountMinor) {
        if (eventId.equals(donationEventId)) {
            original.computeIfAbsent(donationEventId, d -> new LinkedHashMap<>()).merge(matchId, amountMinor, Long::sum);
        }
        held.computeIfAbsent(donationEventId, d -> new LinkedHashMap<>()).merge(matchId, amountMinor, Long::sum);
    }

    /** A donation just recorded. */
    void donation(String eventId, String campaignId, long amountMinor, Instant occurredAt) {
        long uncovered = amountMinor;
        for (Match m : byCampaign.getOrDefault(campaignId, List.of())) {
            if (uncovered == 0) {
                break;
            }
            long remaining = m.remaining();
            if (occurredAt.isBefore(m.startsAt) || !occurredAt.isBefore(m.endsAt) || remaining == 0) {
                continue;
            }
            long full = Math.multiplyExact(uncovered, (long) m.ratioPercent) / 100;
            long allocated;
            if (full <= remaining) {
                allocated = full;
                uncovered = 0;
            }
            else {
                allocated = remaining;
                // The part of the donation this match covered: what its remaining cap matches at its ratio.
                long covered = -Math.floorDiv(-Math.multiplyExact(remaining, 100L), (long) m.ratioPercent);
                uncovered = Math.max(0, uncovered - covered);
            }
            if (allocated > 0) {
                m.matchedMinor += allocated;
                original.computeIfAbsent(eventId, d -> new LinkedHashMap<>()).merge(m.id, allocated, Long::sum);
                held.computeIfAbsent(eventId, d -> new LinkedHashMap<>()).merge(m.id, allocated, Long::sum);
                rows.add(new Row(eventId, m.id, campaignId, eventId, allocated));
            }
        }
    }

    /**
     * A refund just recorded: {@code donationAmount} is the donation's amount, {@code refundedAfter}
     * how much of it is refunded once this refund counts.
     */
    void refund(String eventId, String campaignId, String donationEventId, long donationAmount, long refundedAfter) {
        Map<String, Long> first = original.get(donationEventId);
        if (first == null) {
            return;
        }
        Map<String, Long> holding = held.get(donationEventId);
        BigInteger left = BigInteger.valueOf(donationAmount - refundedAfter);
        BigInteger amount = BigInteger.valueOf(donationAmount);
        first.forEach((matchId, allocated) -> {
            long keep = BigInteger.valueOf(allocated).multiply(left).divide(amount).longValueExact();
            long release = holding.getOrDefault(matchId, 0L) - keep;
            Match m = byKey.get(campaignId + "/" + matchId);
            if (release <= 0 || m == null) {
                return;
            }
            m.matchedMinor -= release;
            holding.merge(matchId, -release, Long::sum);
            rows.add(new Row(eventId, matchId, campaignId, donationEventId, -release));
        });
    }

    List<Row> rows() {
        return rows;
    }

    /** The matches whose figure the group changed, with their new {@code matchedMinor}. */
    List<Match> changed() {
        return byKey.values().stream().filter(m -> m.matchedMinor != m.matchedBefore).toList();
    }
}
