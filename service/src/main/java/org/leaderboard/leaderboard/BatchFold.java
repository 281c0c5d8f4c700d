package org.leaderboard.leaderboard;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A batch of committed events folded into the deltas the apply script takes. Sums commute, so
 * folding keeps the result of applying event by event; the feed keeps the donations' order.
 */
final class BatchFold {

    private final long batchId;
    private final long nowMinute;
    private long raised;
    private long donations;
    private long refunded;
    private long shares;
    private Instant updatedAt;
    private final Map<String, Long> raisedBy = new LinkedHashMap<>();
    private final Map<String, Long> sharesBy = new LinkedHashMap<>();
    private final Map<String, Long> referredBy = new LinkedHashMap<>();
    private final Map<String, Long> matchedBy = new LinkedHashMap<>();
    private final Map<Long, Map<String, Long>> trend = new TreeMap<>();
    /** The newest donations, serialized only in {@link #args()}: a large page keeps 100 of many. */
    private final Deque<FeedEntry> feed = new ArrayDeque<>();

    /** {@code now}: where the trending window ends (events older than its 60 minutes leave no trend). */
    BatchFold(String campaignId, long batchId, List<LiveEvent> events, Instant now) {
        if (batchId < 0) {
            throw new IllegalArgumentException("batchId must be >= 0, got " + batchId);
        }
        this.batchId = batchId;
        this.nowMinute = Math.floorDiv(now.getEpochSecond(), 60);
        for (LiveEvent event : events) {
            if (!campaignId.equals(event.campaignId()) || event.amountMinor() < 0 || event.recordedAt() == null) {
                throw new IllegalArgumentException("Event " + event.eventId() + " cannot be applied to campaign '"
                        + campaignId + "': " + event);
            }
            add(event);
            updatedAt = event.recordedAt();
        }
    }

    private void add(LiveEvent event) {
        String fundraiser = event.fundraiserId();
        long amount = event.amountMinor();
        event.matched().forEach((match, delta) -> matchedBy.merge(match, delta, Math::addExact));
        if (event.referrerId() != null && !"share".equals(event.type())) {
            referredBy.merge(event.referrerId(), "refund".equals(event.type()) ? -amount : amount, Math::addExact);
        }
        switch (event.type()) {
            case "donation" -> {
                raised = Math.addExact(raised, amount);
                donations++;
                if (fundraiser != null) {
                    raisedBy.merge(fundraiser, amount, Math::addExact);
                    inTrend(event, amount);
                }
                feed.addLast(new FeedEntry(event.eventId(), event.anonymous() ? null : event.donorName(), amount,
                        event.message(), fundraiser, event.occurredAt()));
                if (feed.size() > LeaderboardStore.MAX_LIMIT) {
                    feed.removeFirst();
                }
            }
            case "refund" -> {
                raised = Math.subtractExact(raised, amount);
                refunded = Math.addExact(refunded, amount);
                if (fundraiser != null) {
                    raisedBy.merge(fundraiser, -amount, Math::addExact);
                    inTrend(event, -amount);
                }
            }
            case "share" -> {
                shares++;
                if (fundraiser != null) {
                    sharesBy.merge(fundraiser, 1L, Math::addExact);
                }
            }
            default -> throw new IllegalArgumentException("Unknown event type " + event.type());
        }
    }

    private void inTrend(LiveEvent event, long amount) {
        long minute = Math.floorDiv(event.recordedAt().getEpochSecond(), 60);
        trend.computeIfAbsent(minute, m -> new LinkedHashMap<>()).merge(event.fundraiserId(), amount, Math::addExact);
    }

    /** The apply script's arguments after the generation (see {@code redis/apply.lua}). */
    List<String> args() {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(batchId));
        args.add(Long.toString(nowMinute));
        args.add(Long.toString(raised));
        args.add(Long.toString(donations));
        args.add(Long.toString(refunded));
        args.add(Long.toString(shares));
        args.add(updatedAt == null ? "" : Long.toString(updatedAt.toEpochMilli()));
        addDeltas(args, raisedBy);
        addDeltas(args, sharesBy);
        addDeltas(args, referredBy);
        addDeltas(args, matchedBy);
        args.add(Integer.toString(trend.size()));
        trend.forEach((minute, deltas) -> {
            args.add(Long.toString(minute));
            addDeltas(args, deltas);
        });
        args.add(Integer.toString(feed.size()));
        for (FeedEntry entry : feed) {
            args.add(FeedJson.write(entry));
        }
        return args;
    }

    private static void addDeltas(List<String> args, Map<String, Long> deltas) {
        args.add(Integer.toString(deltas.size()));
        deltas.forEach((id, delta) -> {
            args.add(id);
            args.add(Long.toString(delta));
        });
    }
}
