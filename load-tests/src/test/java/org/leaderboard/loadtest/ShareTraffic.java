package org.leaderboard.loadtest;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import com.fasterxml.jackson.databind.JsonNode;

import io.gatling.javaapi.core.Session;

/**
 * Visitors clicking share buttons, as a viral campaign sees them: each visitor has a random id
 * (what the browser keeps) and a client address of its own, sent in {@code X-Forwarded-For}; a
 * share of {@code repeat} of the clicks are a visitor clicking the same button again the same day,
 * which the service answers {@code counted:false}. Counts what the service answered, and which
 * distinct (visitor, fundraiser, channel) clicks it answered at all: within one UTC day, exactly
 * those must have been counted.
 */
final class ShareTraffic {

    static final String[] CHANNELS = {"facebook", "x", "linkedin", "whatsapp", "email", "link", "other"};
    private static final int RECENT = 4096;

    private final String runId;
    private final int fundraisers;
    private final int visitors;
    private final double repeat;
    private final AtomicLong nextVisitor = new AtomicLong();
    private final AtomicReferenceArray<Click> recent = new AtomicReferenceArray<>(RECENT);
    private final AtomicLong clicks = new AtomicLong();
    private final Set<String> answeredClicks = ConcurrentHashMap.newKeySet();
    private final String day = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    final AtomicLong counted = new AtomicLong();
    final AtomicLong notCounted = new AtomicLong();
    final AtomicLong unanswered = new AtomicLong();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();

    ShareTraffic(String runId, int fundraisers, int visitors, double repeat) {
        this.runId = runId;
        this.fundraisers = fundraisers;
        this.visitors = visitors;
        this.repeat = repeat;
    }

    /** One click: who, from where, what. */
    record Click(String visitor, String address, String fundraiser, String channel) {

        Session into(Session s) {
            return s.set("visitor", visitor).set("address", address).set("fundraiser", fundraiser)
                    .set("channel", channel);
        }

        String key() {
            return visitor + '/' + fundraiser + '/' + channel;
        }
    }

    Click next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long n = clicks.getAndIncrement();
        if (n > 0 && random.nextDouble() < repeat) {
            Click again = recent.get(random.nextInt((int) Math.min(n, RECENT)));
            if (again != null) {
                return again;
            }
        }
        // Visitors come new until the pool is used up, then old ones share something else.
        long v = nextVisitor.getAndIncrement();
        int visitor = (int) (v < visitors ? v : random.nextInt(visitors));
        Click click = new Click("v-" + runId + "-" + visitor, address(visitor), "f-" + random.nextInt(fundraisers),
                CHANNELS[random.nextInt(CHANNELS.length)]);
        recent.set((int) (n % RECENT), click);
        return click;
    }

    /** A distinct address per visitor in 10.0.0.0/8 (never a trusted proxy's 127.0.0.1). */
    static String address(int visitor) {
        int host = visitor + 1;
        return "10." + ((host >> 16) & 255) + "." + ((host >> 8) & 255) + "." + (host & 255);
    }

    Session record(Session s) {
        JsonNode answer = ViralSimulation.answer(s);
        if (answer == null || !answer.has("counted")) {
            unanswered.incrementAndGet();
            firstProblem.compareAndSet(null, s.contains("answer") ? s.getString("answer") : "no answer");
            return s.remove("answer");
        }
        answeredClicks.add(s.getString("visitor") + '/' + s.getString("fundraiser") + '/' + s.getString("channel"));
        if (answer.path("counted").asBoolean()) {
            counted.incrementAndGet();
        } else {
            notCounted.incrementAndGet();
        }
        return s.remove("answer");
    }

    /** The share lines of the result block; the distinct clicks must be the counted ones. */
    String summary() {
        boolean sameDay = day.equals(java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
        return String.format(Locale.ROOT,
                "shares: clicks=%d counted=%d counted:false=%d unanswered=%d distinct clicks answered=%d %s%s",
                clicks.get(), counted.get(), notCounted.get(), unanswered.get(), answeredClicks.size(),
                counted.get() == answeredClicks.size() ? "(counted == distinct: OK)"
                        : sameDay ? "(counted != distinct: MISMATCH)" : "(the run crossed a UTC day: not compared)",
                firstProblem.get() == null ? "" : "\n        first problem: " + firstProblem.get());
    }

    /** Whether every distinct click answered was counted once (not comparable across a UTC midnight). */
    boolean exact() {
        boolean sameDay = day.equals(java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
        return !sameDay || counted.get() == answeredClicks.size();
    }
}
