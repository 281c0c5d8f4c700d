package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * When a campaign's stream may read again: at once after a quiet spell, at most once per tick
 * under a surge, and a change held back by the tick is read when the tick ends, through one
 * wake timer however many notices came meanwhile.
 */
class CampaignStreamTests {

    static final long TICK = Duration.ofMillis(100).toNanos();
    static final long REFRESH = Duration.ofSeconds(30).toNanos();
    static final long MS = Duration.ofMillis(1).toNanos();

    final long start = 1_000_000_000L;
    final CampaignStream stream = new CampaignStream("c", start, TICK);
    final AtomicLong covered = new AtomicLong();

    @Test
    void aChangeHeldBackByTheTickArmsOneWakeForTheRestOfTheTick() {
        assertThat(stream.armWake(start, TICK)).as("a new stream reads at once: nothing to wait for").isEqualTo(-1);
        assertThat(stream.startRead(start, TICK, REFRESH, covered)).isTrue();
        stream.changed();
        assertThat(stream.armWake(start + 10 * MS, TICK)).as("while its read runs").isEqualTo(-1);
        stream.readDone(false);

        assertThat(stream.startRead(start + 30 * MS, TICK, REFRESH, covered)).as("within the tick").isFalse();
        assertThat(stream.armWake(start + 30 * MS, TICK)).as("the rest of the tick").isEqualTo(70 * MS);
        stream.changed();
        assertThat(stream.armWake(start + 40 * MS, TICK)).as("one wake is armed already").isEqualTo(-1);

        stream.woken();
        assertThat(stream.armWake(start + 100 * MS, TICK)).as("the tick is over: no wait").isEqualTo(-1);
        assertThat(stream.startRead(start + 100 * MS, TICK, REFRESH, covered)).isTrue();
        assertThat(covered).as("both notices in one read").hasValue(2);
        stream.readDone(false);

        assertThat(stream.armWake(start + 120 * MS, TICK)).as("nothing changed since: no wake").isEqualTo(-1);
        stream.changed();
        assertThat(stream.armWake(start + 120 * MS, TICK)).isEqualTo(80 * MS);
    }

    @Test
    void aFailedReadIsTriedAgainAfterTheTickThroughTheWake() {
        assertThat(stream.startRead(start, TICK, REFRESH, covered)).isTrue();
        stream.readDone(true);
        assertThat(stream.armWake(start + 5 * MS, TICK)).as("a failed read leaves the change pending")
                .isEqualTo(95 * MS);
    }

    @Test
    void aSurgeOfNoticesIsReadOncePerTickAndItsLastChangeIsRead() {
        // A second of virtual time: a notice every millisecond, each followed by the stream's
        // look; the ticker looks every quarter tick; a read takes 2 ms; a wake timer fires when due.
        long wakeAt = -1;
        long readEndsAt = -1;
        int reads = 0;
        long lastReadAt = 0;
        for (long now = start; now <= start + 1_000 * MS; now += MS) {
            if (readEndsAt >= 0 && now >= readEndsAt) {
                stream.readDone(false);
                readEndsAt = -1;
            }
            boolean look = (now - start) % (TICK / 4) == 0;
            if (wakeAt >= 0 && now >= wakeAt) {
                stream.woken();
                wakeAt = -1;
                look = true;
            }
            if (now < start + 900 * MS) {
                stream.changed();
                look = true;
            }
            if (look) {
                if (stream.startRead(now, TICK, REFRESH, covered)) {
                    reads++;
                    lastReadAt = now;
                    readEndsAt = now + 2 * MS;
                }
                else {
                    long wait = stream.armWake(now, TICK);
                    if (wait > 0) {
                        wakeAt = now + wait;
                    }
                }
            }
        }
        assertThat(reads).as("900 notices over 9 ticks: one read per tick").isBetween(9, 11);
        assertThat(lastReadAt).as("the last notice (at 899 ms) is read when its tick ends")
                .isGreaterThanOrEqualTo(start + 899 * MS).isLessThanOrEqualTo(start + 1_000 * MS);
    }
}
