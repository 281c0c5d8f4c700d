package org.leaderboard.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What happens in the demo campaign, as a function of the time since the demo started: the
 * ingest events of each step (donations, refunds, shares), as the API's JSON objects. Gifts come
 * as a Poisson stream of {@code giftsPerSecond}; during a viral surge ({@code surgeLength} every
 * {@code surgeEvery}, from {@code firstSurge}) {@code surgeFactor} times as many gifts and shares
 * come, most of them for one fundraiser, a different one each surge. A refund takes back all or
 * half of what remains of a gift from an earlier step (so it is committed by then). Deterministic
 * for a given random generator; not thread-safe (one step at a time).
 */
final class DemoScript {

    /** Events in one step at most (a batch the ingest takes, even after a long pause). */
    static final int MAX_EVENTS_PER_STEP = 500;
    /** Gifts kept as candidates for a refund. */
    private static final int REFUNDABLE = 200;

    private final DemoProperties properties;
    private final Random random;
    private final String runId;
    private final List<Refundable> refundable = new ArrayList<>();
    private long eventNumber;
    private boolean started;
    private long lastMillis;

    private static final class Refundable {
        final String eventId;
        long remaining;

        Refundable(String eventId, long remaining) {
            this.eventId = eventId;
            this.remaining = remaining;
        }
    }

    /** {@code runId} makes this run's event ids differ from every earlier run's (ids count once, forever). */
    DemoScript(DemoProperties properties, Random random, String runId) {
        this.properties = properties;
        this.random = random;
        this.runId = runId;
    }

    /** Whether a viral surge is under way {@code millis} after the start. */
    boolean surging(long millis) {
        long since = millis - properties.firstSurge().toMillis();
        return since >= 0 && since % properties.surgeEvery().toMillis() < properties.surgeLength().toMillis();
    }

    /** The fundraiser a surge at {@code millis} is about (each surge another one). */
    String viral(long millis) {
        long surge = Math.max(0, millis - properties.firstSurge().toMillis()) / properties.surgeEvery().toMillis();
        List<DemoCast.Member> all = DemoCast.FUNDRAISERS;
        return all.get((int) ((surge * 5 + 1) % all.size())).id();
    }

    /**
     * The events of the time from the previous step to {@code millis} after the start (the first
     * step covers one step), refunds first so that they only take back gifts of earlier steps.
     */
    List<Map<String, Object>> step(long millis) {
        long from = started ? lastMillis : Math.max(0, millis - properties.step().toMillis());
        started = true;
        lastMillis = Math.max(lastMillis, millis);
        double seconds = Math.max(0, millis - from) / 1000.0;
        boolean surge = surging(millis);
        double factor = surge ? properties.surgeFactor() : 1;
        int gifts = poisson(properties.giftsPerSecond() * factor * seconds);
        int refunds = poisson(properties.giftsPerSecond() * properties.refundsPerGift() * seconds);
        int shares = poisson(properties.sharesPerSecond() * factor * seconds);
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < refunds && !refundable.isEmpty() && events.size() < MAX_EVENTS_PER_STEP; i++) {
            events.add(refund());
        }
        List<Refundable> given = new ArrayList<>();
        for (int i = 0; i < gifts && events.size() < MAX_EVENTS_PER_STEP; i++) {
            Map<String, Object> gift = donation(surge ? viral(millis) : null);
            events.add(gift);
            given.add(new Refundable((String) gift.get("eventId"), (Long) gift.get("amountMinor")));
        }
        for (int i = 0; i < shares && events.size() < MAX_EVENTS_PER_STEP; i++) {
            events.add(share(surge ? viral(millis) : null));
        }
        refundable.addAll(given);
        while (refundable.size() > REFUNDABLE) {
            refundable.remove(0);
        }
        return events;
    }

    private Map<String, Object> donation(String viral) {
        Map<String, Object> event = event("donation");
        // A surge's gifts mostly follow its fundraiser's shared link; one gift in ten goes to the campaign itself.
        String fundraiser = viral != null && random.nextDouble() < 0.7 ? viral
                : random.nextDouble() < 0.1 ? null : pickFundraiser();
        if (fundraiser != null) {
            event.put("fundraiserId", fundraiser);
        }
        event.put("amountMinor", amount());
        event.put("currency", DemoCast.CURRENCY);
        boolean anonymous = random.nextDouble() < 0.2;
        event.put("anonymous", anonymous);
        event.put("donorName", pick(DemoCast.DONORS));
        if (random.nextDouble() < 0.45) {
            event.put("message", pick(DemoCast.MESSAGES));
        }
        if (viral != null && fundraiser != null && !fundraiser.equals(viral) && random.nextDouble() < 0.5) {
            event.put("referrerId", viral);
        }
        return event;
    }

    private Map<String, Object> refund() {
        Refundable gift = refundable.get(random.nextInt(refundable.size()));
        long amount = random.nextBoolean() || gift.remaining < 2 ? gift.remaining : gift.remaining / 2;
        gift.remaining -= amount;
        if (gift.remaining == 0) {
            refundable.remove(gift);
        }
        Map<String, Object> event = event("refund");
        event.put("donationEventId", gift.eventId);
        event.put("amountMinor", amount);
        return event;
    }

    private Map<String, Object> share(String viral) {
        Map<String, Object> event = event("share");
        event.put("fundraiserId", viral != null && random.nextDouble() < 0.8 ? viral : pickFundraiser());
        event.put("channel", pick(DemoCast.CHANNELS));
        event.put("visitorId", "v-" + random.nextInt(1_000_000));
        return event;
    }

    private Map<String, Object> event(String type) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", type);
        event.put("eventId", "demo-" + runId + "-" + (++eventNumber));
        event.put("campaignId", DemoCast.CAMPAIGN_ID);
        return event;
    }

    /** Some fundraisers draw more gifts than others: the first ones of the cast most. */
    private String pickFundraiser() {
        List<DemoCast.Member> all = DemoCast.FUNDRAISERS;
        double u = random.nextDouble();
        return all.get((int) (all.size() * u * u)).id();
    }

    private long amount() {
        int total = 0;
        for (int w : DemoCast.AMOUNT_WEIGHTS) {
            total += w;
        }
        int r = random.nextInt(total);
        for (int i = 0; i < DemoCast.AMOUNTS.length; i++) {
            r -= DemoCast.AMOUNT_WEIGHTS[i];
            if (r < 0) {
                return DemoCast.AMOUNTS[i];
            }
        }
        return DemoCast.AMOUNTS[0];
    }

    private String pick(List<String> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** A Poisson draw of mean {@code mean} (Knuth's method; means here stay small), capped. */
    private int poisson(double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 50) {
            // Normal approximation for a long pause or a large rate.
            return (int) Math.max(0, Math.min(MAX_EVENTS_PER_STEP, Math.round(mean + Math.sqrt(mean)
                    * random.nextGaussian())));
        }
        double limit = Math.exp(-mean);
        double p = random.nextDouble();
        int k = 0;
        while (p > limit) {
            p *= random.nextDouble();
            k++;
        }
        return k;
    }
}
