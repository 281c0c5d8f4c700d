package org.leaderboard.ingest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.leaderboard.ledger.EventType;
import org.leaderboard.ledger.LedgerEvent;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.system.JsonFields;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates one ingest event (API.md, Ingest API) and gives it its canonical hash. Every bad
 * field is reported at once; fields that do not belong to the event's type are rejected rather
 * than ignored, so an integration learns of a typo on its first request.
 */
final class EventParser {

    static final long MAX_AMOUNT_MINOR = 10_000_000_000L;
    static final int MAX_DONOR_NAME = 100;
    static final int MAX_MESSAGE = 1000;

    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Set<String> CHANNELS = Set.of("facebook", "x", "linkedin", "whatsapp", "email", "link",
            "other");
    private static final Set<String> COMMON = Set.of("type", "eventId", "campaignId", "occurredAt");
    private static final Map<EventType, Set<String>> ALLOWED = Map.of(
            EventType.DONATION, with("fundraiserId", "amountMinor", "currency", "donorName", "anonymous", "message",
                    "referrerId"),
            EventType.REFUND, with("donationEventId", "amountMinor", "currency"),
            EventType.SHARE, with("fundraiserId", "channel", "visitorId"));

    private final JsonMapper canonicalJson = JsonMapper.builder().build();

    /** The event, or the problem that rejects it; {@code eventId} is echoed when it was readable. */
    record Parsed(String eventId, LedgerEvent event, ApiProblem problem) {
    }

    Parsed parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            return new Parsed(null, null, ApiProblem.malformed("An event must be a JSON object"));
        }
        JsonFields f = new JsonFields(node, "");
        String eventId = f.eventId("eventId", true);
        EventType type = type(f);
        String campaignId = f.resourceId("campaignId", true);
        Instant occurredAt = f.timestamp("occurredAt", false);
        String fundraiserId = null;
        Long amount = null;
        String currency = null;
        String donationEventId = null;
        String donorName = null;
        boolean anonymous = false;
        String message = null;
        String referrerId = null;
        String channel = null;
        String visitorId = null;
        if (type != null) {
            f.rejectUnknown(ALLOWED.get(type), "is not a field of a " + type.wire() + " event");
            switch (type) {
                case DONATION -> {
                    fundraiserId = f.resourceId("fundraiserId", false);
                    amount = f.integer("amountMinor", true, 1, MAX_AMOUNT_MINOR);
                    currency = currency(f, true);
                    donorName = f.text("donorName", false, MAX_DONOR_NAME);
                    anonymous = Boolean.TRUE.equals(f.bool("anonymous"));
                    message = f.text("message", false, MAX_MESSAGE);
                    referrerId = f.resourceId("referrerId", false);
                }
                case REFUND -> {
                    donationEventId = f.eventId("donationEventId", true);
                    amount = f.integer("amountMinor", true, 1, MAX_AMOUNT_MINOR);
                    currency = currency(f, false);
                }
                case SHARE -> {
                    fundraiserId = f.resourceId("fundraiserId", false);
                    channel = f.string("channel", true);
                    if (channel != null && !CHANNELS.contains(channel)) {
                        f.error("channel", "must be one of facebook, x, linkedin, whatsapp, email, link, other");
                        channel = null;
                    }
                    visitorId = f.eventId("visitorId", false);
                }
            }
        }
        if (!f.errors().isEmpty()) {
            return new Parsed(eventId != null ? eventId : rawEventId(node), null, ApiProblem.validation(f.errors()));
        }
        Map<String, Object> canonical = new LinkedHashMap<>();
        canonical.put("type", type.wire());
        canonical.put("eventId", eventId);
        canonical.put("campaignId", campaignId);
        canonical.put("fundraiserId", fundraiserId);
        canonical.put("amountMinor", amount);
        canonical.put("currency", currency);
        canonical.put("donationEventId", donationEventId);
        canonical.put("donorName", donorName);
        canonical.put("anonymous", anonymous);
        canonical.put("message", message);
        canonical.put("referrerId", referrerId);
        canonical.put("channel", channel);
        canonical.put("visitorId", visitorId);
        canonical.put("occurredAt", occurredAt == null ? null : occurredAt.toString());
        String hash = sha256(canonicalJson.writeValueAsBytes(canonical));
        return new Parsed(eventId, new LedgerEvent(type, eventId, campaignId, fundraiserId, amount, currency,
                donationEventId, donorName, anonymous, message, referrerId, channel, visitorId, occurredAt, hash),
                null);
    }

    private static EventType type(JsonFields f) {
        String value = f.string("type", true);
        if (value == null) {
            return null;
        }
        for (EventType type : EventType.values()) {
            if (type.wire().equals(value)) {
                return type;
            }
        }
        f.error("type", "must be one of donation, refund, share");
        return null;
    }

    private static String currency(JsonFields f, boolean required) {
        String value = f.string("currency", required);
        if (value != null && !CURRENCY.matcher(value).matches()) {
            f.error("currency", "must be an ISO 4217 code such as EUR");
            return null;
        }
        return value;
    }

    /** Echo the id of a rejected event when it is at least a string, so a batch result can be matched. */
    private static String rawEventId(JsonNode node) {
        JsonNode id = node.get("eventId");
        return id != null && id.isString() ? id.stringValue() : null;
    }

    private static Set<String> with(String... fields) {
        Set<String> all = new java.util.HashSet<>(COMMON);
        all.addAll(Set.of(fields));
        return Set.copyOf(all);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("Every JVM has SHA-256", ex);
        }
    }
}
