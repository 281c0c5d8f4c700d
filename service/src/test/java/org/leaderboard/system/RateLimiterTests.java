package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leaderboard.system.ClientAddressTests.ip;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The per-client token bucket on a driven clock: a burst then one per interval, a wait rounded up
 * to whole seconds in Retry-After, separate budgets per address (per /64 in IPv6), and a table
 * that never grows past its bound, however many addresses come.
 */
class RateLimiterTests {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

    @Test
    void aBurstThenOnePerInterval() {
        RateLimiter limiter = new RateLimiter("shares", 3, Duration.ofSeconds(2), 100, now::get);
        InetAddress client = ip("198.51.100.1");
        assertThat(limiter.tryTake(client)).isZero();
        assertThat(limiter.tryTake(client)).isZero();
        assertThat(limiter.tryTake(client)).isZero();
        assertThat(limiter.tryTake(client)).isEqualTo(Duration.ofSeconds(2).toNanos());
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(limiter.tryTake(client)).isEqualTo(Duration.ofMillis(1500).toNanos());
        assertThat(limiter.tryTake(ip("198.51.100.2"))).as("another address has its own budget").isZero();
        now.addAndGet(Duration.ofMillis(1500).toNanos());
        assertThat(limiter.tryTake(client)).isZero();
        assertThat(limiter.tryTake(client)).isPositive();
        // Idle long enough, the bucket is full again, and no fuller than the burst.
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryTake(client)).isZero();
        }
        assertThat(limiter.tryTake(client)).isPositive();
    }

    @Test
    void aRefusalIsA429WithRetryAfterInWholeSecondsRoundedUp() {
        RateLimiter limiter = new RateLimiter("shares", 1, Duration.ofMillis(2300), 100, now::get);
        InetAddress client = ip("198.51.100.1");
        limiter.take(client);
        assertThatThrownBy(() -> limiter.take(client)).isInstanceOfSatisfying(ApiProblem.class, problem -> {
            assertThat(problem.status().value()).isEqualTo(429);
            assertThat(problem.type()).isEqualTo("rate-limited");
            assertThat(problem.headers()).containsEntry("Retry-After", "3");
        });
        now.addAndGet(Duration.ofMillis(2299).toNanos());
        assertThatThrownBy(() -> limiter.take(client)).isInstanceOfSatisfying(ApiProblem.class,
                problem -> assertThat(problem.headers()).containsEntry("Retry-After", "1"));
        now.addAndGet(Duration.ofMillis(1).toNanos());
        limiter.take(client);
    }

    @Test
    void ipv6ClientsShareTheBudgetOfTheirSlash64() {
        RateLimiter limiter = new RateLimiter("signups", 1, Duration.ofMinutes(1), 100, now::get);
        assertThat(limiter.tryTake(ip("2001:db8:1:2::1"))).isZero();
        assertThat(limiter.tryTake(ip("2001:db8:1:2:ffff::9"))).isPositive();
        assertThat(limiter.tryTake(ip("2001:db8:1:3::1"))).isZero();
    }

    @Test
    void anAddressFloodNeverGrowsTheTablePastItsBound() {
        RateLimiter limiter = new RateLimiter("shares", 2, Duration.ofSeconds(1), 1000, now::get);
        InetAddress regular = ip("198.51.100.1");
        assertThat(limiter.tryTake(regular)).isZero();
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            if (limiter.tryTake(ip("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff))) > 0) {
                refused++;
            }
            assertThat(limiter.clients()).isLessThanOrEqualTo(1000);
        }
        assertThat(refused).as("new addresses refused while the table is full of live buckets").isEqualTo(19_001);
        assertThat(limiter.tryTake(regular)).as("a client already followed keeps its budget").isZero();
        // Once their buckets have refilled, the flood's entries are swept out and new clients come in.
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        assertThat(limiter.tryTake(ip("203.0.113.1"))).isZero();
        assertThat(limiter.clients()).isEqualTo(1);
    }
}
