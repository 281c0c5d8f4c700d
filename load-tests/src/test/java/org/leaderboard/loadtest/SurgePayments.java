package org.leaderboard.loadtest;

import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import com.fasterxml.jackson.databind.JsonNode;

import io.gatling.javaapi.core.Session;

/**
 * Events as payment integrations send them during a surge: new donations (amounts varied so a
 * misattributed row changes the sums), now and then a retry of an event already sent (same id,
 * same payload: the service answers {@code duplicate}, or {@code accepted} if the first try had
 * not arrived), and refunds of half a donation the service had accepted, each donation refunded
 * once at most. Every event id carries the run and what it is ({@code <run>-d-<n>}, {@code <run>-r-<n>}),
 * so an answer names its event and amount; the tally counts what the service answered accepted.
 */
final class SurgePayments {

    private static final int RECENT = 4096;
    private static final int REFUNDABLE = 100_000;

    private final String runId;
    private final String campaignId;
    private final int fundraisers;
    private final double duplicates;
    private final double refunds;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicReferenceArray<String> recent = new AtomicReferenceArray<>(RECENT);
    private final Queue<Long> refundable = new ConcurrentLinkedQueue<>();
    private final AtomicInteger refundableSize = new AtomicInteger();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong donations = new AtomicLong();
    final AtomicLong donationSum = new AtomicLong();
    final AtomicLong refundCount = new AtomicLong();
    final AtomicLong refundSum = new AtomicLong();
    final AtomicLong duplicate = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong unanswered = new AtomicLong();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();

    SurgePayments(String runId, String campaignId, int fundraisers, double duplicates, double refunds) {
        this.runId = runId;
        this.campaignId = campaignId;
        this.fundraisers = fundraisers;
        this.duplicates = duplicates;
        this.refunds = refunds;
    }

    /** The next event's JSON: a retry, a refund or a new donation. */
    String next() {
        sent.incrementAndGet();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        double roll = random.nextDouble();
        long seen = sequence.get();
        if (roll < duplicates && seen > 0) {
            String again = recent.get(random.nextInt((int) Math.min(seen, RECENT)));
            if (again != null) {
                return again;
            }
        }
        if (roll < duplicates + refunds) {
            Long donation = refundable.poll();
            if (donation != null) {
                refundableSize.decrementAndGet();
                return remember("{\"type\":\"refund\",\"eventId\":\"" + runId + "-r-" + donation
                        + "\",\"campaignId\":\"" + campaignId + "\",\"donationEventId\":\"" + runId + "-d-" + donation
                        + "\",\"amountMinor\":" + refundOf(donation) + "}");
            }
        }
        long n = sequence.getAndIncrement();
        return remember("{\"type\":\"donation\",\"eventId\":\"" + runId + "-d-" + n + "\",\"campaignId\":\""
                + campaignId + "\",\"fundraiserId\":\"f-" + (n % fundraisers) + "\",\"amountMinor\":"
                + IngestSimulation.amountOf(n) + ",\"currency\":\"" + IngestSimulation.CURRENCY
                + "\",\"donorName\":\"surge\"" + (n % 5 == 0 ? ",\"message\":\"Go go go!\"" : "") + "}");
    }

    /** A batch of {@code size} events, as a JSON array. */
    String batch(int size) {
        StringBuilder sb = new StringBuilder(size * 200).append('[');
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ",").append(next());
        }
        return sb.append(']').toString();
    }

    private String remember(String event) {
        recent.set((int) (ThreadLocalRandom.current().nextLong(Long.MAX_VALUE) % RECENT), event);
        return event;
    }

    static long refundOf(long donation) {
        return Math.max(1, IngestSimulation.amountOf(donation) / 2);
    }

    /** Counts a single event's answer ({@code {eventId, status}}). */
    Session recordSingle(Session s) {
        JsonNode answer = ViralSimulation.answer(s);
        if (answer == null) {
            unanswered.incrementAndGet();
        } else {
            count(answer);
        }
        return s.remove("answer");
    }

    /** Counts a batch's answers ({@code {results:[{eventId, status, problem?}]}}). */
    Session recordBatch(Session s, int size) {
        JsonNode answer = ViralSimulation.answer(s);
        if (answer == null) {
            unanswered.addAndGet(size);
        } else {
            int seen = 0;
            for (JsonNode result : answer.path("results")) {
                seen++;
                count(result);
            }
            unanswered.addAndGet(size - seen);
        }
        return s.remove("answer");
    }

    private void count(JsonNode result) {
        String id = result.path("eventId").asText();
        switch (result.path("status").asText()) {
            case "accepted" -> {
                long n = Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
                if (id.startsWith(runId + "-d-")) {
                    donations.incrementAndGet();
                    donationSum.addAndGet(IngestSimulation.amountOf(n));
                    if (refundableSize.incrementAndGet() <= REFUNDABLE) {
                        refundable.add(n);
                    } else {
                        refundableSize.decrementAndGet();
                    }
                } else {
                    refundCount.incrementAndGet();
                    refundSum.addAndGet(refundOf(n));
                }
            }
            case "duplicate" -> duplicate.incrementAndGet();
            default -> {
                rejected.incrementAndGet();
                firstProblem.compareAndSet(null, result.toString());
            }
        }
    }

    IngestChecks.Expected expected() {
        return new IngestChecks.Expected(donations.get(), donationSum.get(), refundSum.get(), 0, unanswered.get());
    }

    String summary(double seconds) {
        long accepted = donations.get() + refundCount.get();
        return String.format(Locale.ROOT,
                "payments: events sent=%d accepted=%d (donations=%d refunds=%d) duplicate=%d rejected=%d unanswered=%d"
                        + " -> %.0f accepted events/s over %.0f s%s",
                sent.get(), accepted, donations.get(), refundCount.get(), duplicate.get(), rejected.get(),
                unanswered.get(), seconds > 0 ? accepted / seconds : 0.0, seconds,
                firstProblem.get() == null ? "" : "\n          first problem: " + firstProblem.get());
    }
}
