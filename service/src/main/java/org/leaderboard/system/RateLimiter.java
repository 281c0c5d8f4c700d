package org.leaderboard.system;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.springframework.http.HttpStatus;

/**
 * A token bucket per client address, in memory: {@code burst} requests at once, then one per
 * {@code refillEvery}. Kept as one number per client (the generic cell rate algorithm: the time
 * its bucket is full again), so a client whose bucket has refilled is the same as one never seen
 * and is dropped. The table is bounded: past {@code maxClients}, refilled clients are swept out
 * (at most once per second, so a flood cannot make every request pay a sweep), and a new client
 * that still finds it full is refused for a second rather than let the table grow. IPv6 clients
 * are keyed by their /64, the block one subscriber gets. Per instance: N instances behind a load
 * balancer let a client N times the budget.
 */
public final class RateLimiter {

    private static final long SWEEP_INTERVAL = Duration.ofSeconds(1).toNanos();

    private final String what;
    private final long interval;
    private final long tolerance;
    private final int maxClients;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<InetAddress, Long> fullAt = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;

    /**
     * @param what what is limited, for the 429's detail ("shares")
     * @param nanoTime the time source, {@link System#nanoTime} but in tests
     */
    public RateLimiter(String what, int burst, Duration refillEvery, int maxClients, LongSupplier nanoTime) {
        if (burst < 1 || refillEvery.isNegative() || refillEvery.isZero() || maxClients < 1) {
            throw new IllegalArgumentException("A rate limit needs burst >= 1, refillEvery > 0 and maxClients >= 1");
        }
        this.what = what;
        this.interval = refillEvery.toNanos();
        this.tolerance = Math.multiplyExact(interval, burst - 1L);
        this.maxClients = maxClients;
        this.nanoTime = nanoTime;
        this.nextSweep = new AtomicLong(nanoTime.getAsLong());
    }

    /** Takes one token of {@code client}'s bucket; 429 problem+json with Retry-After when it is empty. */
    public void take(InetAddress client) {
        long wait = tryTake(client);
        if (wait > 0) {
            long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
            throw ApiProblem.of(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", "Too many requests",
                    "Too many " + what + " from this address; retry in " + seconds + " s")
                    .withHeader("Retry-After", Long.toString(seconds));
        }
    }

    /** 0 when a token was taken, else the nanoseconds until one is there. */
    long tryTake(InetAddress client) {
        InetAddress key = key(client);
        long now = nanoTime.getAsLong();
        if (fullAt.size() >= maxClients && !fullAt.containsKey(key)) {
            sweep(now);
            if (fullAt.size() >= maxClients) {
                return SWEEP_INTERVAL;
            }
        }
        long[] wait = new long[1];
        fullAt.compute(key, (k, previous) -> {
            long tat = previous == null || previous - now < 0 ? now : previous;
            if (tat - now > tolerance) {
                wait[0] = tat - now - tolerance;
                return previous;
            }
            return tat + interval;
        });
        return wait[0];
    }

    /** Clients followed now; for tests and diagnostics. */
    int clients() {
        return fullAt.size();
    }

    private void sweep(long now) {
        long due = nextSweep.get();
        if (now - due >= 0 && nextSweep.compareAndSet(due, now + SWEEP_INTERVAL)) {
            fullAt.values().removeIf(at -> at - now <= 0);
        }
    }

    private static InetAddress key(InetAddress client) {
        if (!(client instanceof Inet6Address)) {
            return client;
        }
        try {
            return InetAddress.getByAddress(Cidr.mask(client.getAddress(), 64));
        }
        catch (UnknownHostException ex) {
            throw new IllegalStateException("An IPv6 address is 16 bytes", ex);
        }
    }
}
