package org.leaderboard.system;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import tools.jackson.databind.JsonNode;

/**
 * Reads the fields of one JSON object with strict types and collects a {@link FieldError}
 * for every bad one, so a validation problem can name them all at once. A JSON null counts
 * as an absent field.
 */
public final class JsonFields {

    private final JsonNode node;
    private final String prefix;
    private final List<FieldError> errors;

    public JsonFields(JsonNode node, String prefix) {
        this(node, prefix, new ArrayList<>());
    }

    private JsonFields(JsonNode node, String prefix, List<FieldError> errors) {
        this.node = node;
        this.prefix = prefix;
        this.errors = errors;
    }

    /** The field's raw value, or null when absent. */
    public JsonNode node(String field) {
        return node.get(field);
    }

    /**
     * The fields of a nested object, named {@code field.name} in errors, which this object
     * collects; null (reported) when the value is not an object, and null when absent.
     */
    public JsonFields object(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            error(field, "must be an object");
            return null;
        }
        return new JsonFields(value, prefix + field + ".", errors);
    }

    public List<FieldError> errors() {
        return errors;
    }

    public void error(String field, String message) {
        errors.add(new FieldError(prefix + field, message));
    }

    public boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    /** Reports every field of the object that is not in {@code allowed}. */
    public void rejectUnknown(Set<String> allowed, String why) {
        for (String name : node.propertyNames()) {
            if (!allowed.contains(name)) {
                error(name, why);
            }
        }
    }

    public String string(String field, boolean required) {
        String text = rawString(field, required);
        if (text == null) {
            return null;
        }
        if (!storable(text)) {
            error(field, "must not contain NUL characters or unpaired UTF-16 surrogates");
            return null;
        }
        return text;
    }

    /** The field's string as sent, or null (with an error when required or not a string). */
    private String rawString(String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                error(field, "is required");
            }
            return null;
        }
        if (!value.isString()) {
            error(field, "must be a string");
            return null;
        }
        return value.stringValue();
    }

    /**
     * Whether PostgreSQL can store the string as UTF-8 text: it refuses NUL, and an unpaired
     * surrogate (a JSON escape of U+D800 alone, say) has no UTF-8 form at all.
     */
    static boolean storable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
            else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** A free-text field: trimmed, 1 to {@code maxLength} characters, no control characters but line breaks. */
    public String text(String field, boolean required, int maxLength) {
        String value = string(field, required);
        if (value == null) {
            return null;
        }
        String trimmed = value.strip();
        if (trimmed.isEmpty()) {
            error(field, "must not be blank");
            return null;
        }
        if (trimmed.codePointCount(0, trimmed.length()) > maxLength) {
            error(field, "must be at most " + maxLength + " characters");
            return null;
        }
        if (trimmed.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
            error(field, "must not contain control characters");
            return null;
        }
        return trimmed;
    }

    /**
     * A free-text field typed by anyone (a self-service page): control characters are stripped
     * rather than refused (line feeds kept when {@code keepLineFeeds}), and so are the bidirectional
     * overrides that could make a name read backwards on a leaderboard; then trimmed and limited
     * to 1 to {@code maxLength} characters.
     */
    public String strippedText(String field, boolean required, int maxLength, boolean keepLineFeeds) {
        String raw = rawString(field, required);
        if (raw == null) {
            return null;
        }
        StringBuilder kept = new StringBuilder();
        raw.codePoints()
                .filter(c -> (keepLineFeeds && c == '\n') || !(Character.isISOControl(c) || isDirectionControl(c)))
                .forEach(kept::appendCodePoint);
        String text = kept.toString().strip();
        if (!storable(text)) {
            error(field, "must not contain unpaired UTF-16 surrogates");
            return null;
        }
        if (text.isEmpty()) {
            if (required) {
                error(field, "must not be blank");
            }
            return null;
        }
        if (text.codePointCount(0, text.length()) > maxLength) {
            error(field, "must be at most " + maxLength + " characters");
            return null;
        }
        return text;
    }

    private static boolean isDirectionControl(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
    }

    public Long integer(String field, boolean required, long min, long max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                error(field, "is required");
            }
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            error(field, value.isNumber() && !value.isIntegralNumber() ? "must be an integer (minor units)"
                    : value.isIntegralNumber() ? "must be between " + min + " and " + max : "must be an integer");
            return null;
        }
        long v = value.longValue();
        if (v < min || v > max) {
            error(field, "must be between " + min + " and " + max);
            return null;
        }
        return v;
    }

    public Boolean bool(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            error(field, "must be true or false");
            return null;
        }
        return value.booleanValue();
    }

    /**
     * An RFC 3339 timestamp with an offset, e.g. 2026-11-21T20:15:00Z, within years 0001 to 9999
     * in UTC: RFC 3339 has four-digit years, and PostgreSQL reads neither year 0 nor a signed
     * five-digit year, so a wider value would fail the statement that stores it.
     */
    public Instant timestamp(String field, boolean required) {
        String value = string(field, required);
        if (value == null) {
            return null;
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        }
        catch (DateTimeParseException ex) {
            error(field, "must be an RFC 3339 timestamp such as 2026-11-21T20:15:00Z");
            return null;
        }
        if (instant.isBefore(MIN_TIMESTAMP) || instant.isAfter(MAX_TIMESTAMP)) {
            error(field, "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z");
            return null;
        }
        return instant;
    }

    public static final Instant MIN_TIMESTAMP = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX_TIMESTAMP = Instant.parse("9999-12-31T23:59:59.999999Z");

    public String resourceId(String field, boolean required) {
        String value = string(field, required);
        if (value != null && !Ids.isResourceId(value)) {
            error(field, Ids.RESOURCE_ID_RULE);
            return null;
        }
        return value;
    }

    public String eventId(String field, boolean required) {
        String value = string(field, required);
        if (value != null && !Ids.isEventId(value)) {
            error(field, Ids.EVENT_ID_RULE);
            return null;
        }
        return value;
    }
}
