package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;
import org.leaderboard.campaign.Campaign;

import reactor.test.StepVerifier;

/**
 * A client's outbox keeps only the latest frame: a client that does not take frames costs one
 * reference however many are published, and when it takes again it gets a snapshot it can apply,
 * never an update whose predecessor it missed.
 */
class OutboxTests {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final LiveMetrics metrics = new LiveMetrics(registry, Clock.systemUTC());
    final Campaign campaign = FrameTests.campaign();

    @Test
    void aClientKeepingUpGetsTheSnapshotThenEachUpdate() {
        Frame first = Frame.first(campaign, FrameTests.view(0, List.of()));
        Frame second = Frame.next(first, campaign, FrameTests.view(100, List.of()));
        Frame third = Frame.next(second, campaign, FrameTests.view(250, List.of()));
        Outbox outbox = new Outbox(metrics, ClientChannel.NONE);
        outbox.offer(first);
        StepVerifier.create(outbox.deliveries())
                .assertNext(d -> assertThat(type(d)).isEqualTo("snapshot"))
                .then(() -> outbox.offer(second))
                .assertNext(d -> assertThat(text(d)).startsWith("{\"type\":\"update\",\"seq\":2,"))
                .then(() -> outbox.offer(third))
                .assertNext(d -> assertThat(text(d)).startsWith("{\"type\":\"update\",\"seq\":3,"))
                .thenCancel()
                .verify();
        assertThat(registry.get("leaderboard.push.frames").tag("type", "update").counter().count()).isEqualTo(2);
    }

    @Test
    void aClientWithoutDemandKeepsOnlyTheLatestAndResumesWithItsSnapshot() {
        Frame frame = Frame.first(campaign, FrameTests.view(0, List.of()));
        Outbox outbox = new Outbox(metrics, ClientChannel.NONE);
        StepVerifier.create(outbox.deliveries(), 1)
                .then(() -> outbox.offer(frame))
                .assertNext(d -> assertThat(((Outbox.Message) d).frame().seq).isEqualTo(1))
                .then(() -> {
                    Frame f = frame;
                    for (int amount = 1; amount <= 1000; amount++) {
                        f = Frame.next(f, campaign, FrameTests.view(amount, List.of()));
                        outbox.offer(f);
                    }
                    assertThat(outbox.stalledBefore(System.nanoTime() + 1)).as("frames wait for demand").isTrue();
                })
                .thenRequest(1)
                .assertNext(d -> {
                    Outbox.Message m = (Outbox.Message) d;
                    assertThat(m.frame().seq).isEqualTo(1001);
                    assertThat(text(d)).as("the missed updates are replaced by the latest snapshot")
                            .startsWith("{\"type\":\"snapshot\",\"seq\":1001,");
                    assertThat(text(d)).contains("\"raisedMinor\":1000");
                })
                .then(() -> assertThat(outbox.stalledBefore(System.nanoTime() + 1)).isFalse())
                .thenRequest(1)
                .expectNoEvent(Duration.ofMillis(50))
                .thenCancel()
                .verify();
        assertThat(registry.get("leaderboard.push.conflated").tag("reason", "slow-client").counter().count())
                .isEqualTo(999);
    }

    @Test
    void heartbeatsGoOutOnlyWhenNoFrameIsWaiting() {
        Outbox outbox = new Outbox(metrics, ClientChannel.NONE);
        Frame frame = Frame.first(campaign, FrameTests.view(0, List.of()));
        StepVerifier.create(outbox.deliveries(), 0)
                .then(outbox::heartbeat)
                .then(() -> outbox.offer(frame))
                .thenRequest(2)
                .assertNext(d -> assertThat(d).isInstanceOf(Outbox.Message.class))
                .expectNoEvent(Duration.ofMillis(50))
                .then(outbox::heartbeat)
                .expectNext(Outbox.Heartbeat.INSTANCE)
                .thenCancel()
                .verify();
    }

    @Test
    void cancellingTheDeliveriesLeavesOnce() {
        Outbox outbox = new Outbox(metrics, ClientChannel.NONE);
        int[] left = new int[1];
        outbox.onClose(o -> left[0]++);
        StepVerifier.create(outbox.deliveries()).thenCancel().verify();
        outbox.leave();
        outbox.abort();
        assertThat(left[0]).isEqualTo(1);
        assertThat(outbox.isClosed()).isTrue();
    }

    private static String text(Outbox.Delivery delivery) {
        Outbox.Message m = (Outbox.Message) delivery;
        return new String(m.frame().json(m.lastSeq()), StandardCharsets.UTF_8);
    }

    private static String type(Outbox.Delivery delivery) {
        return text(delivery).startsWith("{\"type\":\"snapshot\"") ? "snapshot" : "update";
    }
}
