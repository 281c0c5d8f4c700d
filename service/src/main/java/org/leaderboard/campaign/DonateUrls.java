package org.leaderboard.campaign;

import java.net.URI;
import java.net.URISyntaxException;

import org.leaderboard.system.JsonFields;

/**
 * The rule for a campaign's donate link. Pages put it behind their "Donate" button, so it must be
 * a plain https page of someone's site: an absolute https URI with a host, no user-info (which
 * makes {@code https://charity.example@evil.example} look like the charity), no spaces or control
 * characters, at most {@link #MAX_LENGTH} characters (what browsers and the database keep safely).
 */
final class DonateUrls {

    static final int MAX_LENGTH = 2048;

    private DonateUrls() {
    }

    /** The field's link, or null when absent or invalid (then the field is reported). */
    static String read(JsonFields fields, String field) {
        String value = fields.string(field, false);
        if (value == null) {
            return null;
        }
        String problem = problem(value);
        if (problem != null) {
            fields.error(field, problem);
            return null;
        }
        return value;
    }

    /** What is wrong with {@code url} as a donate link, or null when nothing is. */
    static String problem(String url) {
        if (url.length() > MAX_LENGTH) {
            return "must be at most " + MAX_LENGTH + " characters";
        }
        if (!url.startsWith("https://")) {
            return "must be an https:// link";
        }
        if (url.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            return "must not contain spaces or control characters";
        }
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                return "must be an https:// link with a host name, such as https://pay.example.org/night-run";
            }
            if (uri.getRawUserInfo() != null) {
                return "must not carry a user name or password before the host";
            }
        }
        catch (URISyntaxException ex) {
            return "must be a valid https:// link";
        }
        return null;
    }
}
