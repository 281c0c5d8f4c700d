package org.leaderboard.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.leaderboard.ledger.MatchAllocation.Match;
import org.leaderboard.ledger.MatchAllocation.Row;

class MatchAllocationTests {

    static final Instant T0 = Instant.parse("2026-12-03T18:00:00Z");

    @Test
    void overlappingMatchesApplyOneAfterTheOtherTheOneEndingFirstFirstAndMatchEachEuroOnce() {
        Match late = new Match("c", "a-late", 100, 10_000, T0, T0.plusSeconds(7200), 0);
        Match soon = new Match("c", "z-soon", 200, 600, T0, T0.plusSeconds(3600), 0);
        MatchAllocation allocation = new MatchAllocation(List.of(late, soon));

        allocation.donation("d1", "c", 1000, T0.plusSeconds(60));

        // z-soon ends first: 2:1 on the first 300 (its cap of 600), a-late 1:1 on the other 700.
        assertThat(allocation.rows()).containsExactly(new Row("d1", "z-soon", "c", "d1", 600),
                new Row("d1", "a-late", "c", "d1", 700));
        assertThat(soon.matchedMinor).isEqualTo(600);
        assertThat(late.matchedMinor).isEqualTo(700);
    }

    @Test
    void aDonationOutsideTheWindowOrOfAnotherCampaignIsNotMatched() {
        Match m = new Match("c", "m", 100, 10_000, T0, T0.plusSeconds(3600), 0);
        MatchAllocation allocation = new MatchAllocation(List.of(m));
        allocation.donation("before", "c", 100, T0.minusMillis(1));
        allocation.donation("at-end", "c", 100, T0.plusSeconds(3600));
        allocation.donation("other", "d", 100, T0.plusSeconds(1));
        allocation.donation("at-start", "c", 100, T0);
        assertThat(allocation.rows()).containsExactly(new Row("at-start", "m", "c", "at-start", 100));
    }

    @Test
    void partialRefundsReleaseTheirShareAndAFullRefundReleasesTheRest() {
        Match m = new Match("c", "m", 50, 10_000, T0, T0.plusSeconds(3600), 0);
        MatchAllocation allocation = new MatchAllocation(List.of(m));
        allocation.donation("d", "c", 999, T0);
        assertThat(m.matchedMinor).isEqualTo(499);

        allocation.refund("r1", "c", "d", 999, 333);
        // keeps floor(499 x 666 / 999) = 332
        assertThat(allocation.rows().get(1)).isEqualTo(new Row("r1", "m", "c", "d", -167));
        allocation.refund("r2", "c", "d", 999, 999);
        assertThat(allocation.rows().get(2)).isEqualTo(new Row("r2", "m", "c", "d", -332));
        assertThat(m.matchedMinor).isZero();
    }

    @Test
    void aRefundOfADonationRecordedEarlierUsesItsKnownAllocationsAndFreesCapForLaterDonations() {
        Match m = new Match("c", "m", 100, 1000, T0, T0.plusSeconds(3600), 1000);
        MatchAllocation allocation = new MatchAllocation(List.of(m));
        allocation.known("old", "old", "m", 800);
        allocation.known("old", "old-r", "m", -400);

        allocation.refund("r", "c", "old", 800, 800);
        allocation.donation("new", "c", 900, T0.plusSeconds(10));

        assertThat(allocation.rows()).containsExactly(new Row("r", "m", "c", "old", -400),
                new Row("new", "m", "c", "new", 400));
        assertThat(allocation.changed()).isEmpty();
        assertThat(m.matchedMinor).isEqualTo(1000);
    }

    @Test
    void aRefundOfADonationThatHeldNoMatchReleasesNothing() {
        MatchAllocation allocation = new MatchAllocation(List.of(new Match("c", "m", 100, 10, T0, T0.plusSeconds(1), 0)));
        allocation.refund("r", "c", "unmatched", 100, 100);
        assertThat(allocation.rows()).isEmpty();
    }
}
