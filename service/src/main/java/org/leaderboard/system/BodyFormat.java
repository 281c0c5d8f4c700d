package org.leaderboard.system;

import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * The formats a request body may come in, read from its {@code Content-Type} strictly: a header
 * that is not a media type by RFC 9110's grammar, or a media type or charset the endpoint does not
 * take, is a 415 problem, never a guess. An absent header means JSON.
 */
public enum BodyFormat {

    /** {@code application/json}: one JSON value. */
    JSON,
    /** {@code application/x-ndjson} (or {@code application/ndjson}): one JSON value a line. */
    NDJSON;

    /**
     * The format of a body whose {@code Content-Type} headers are {@code headers}, if it is one of
     * {@code accepted}; otherwise a 415 {@link ApiProblem}.
     */
    public static BodyFormat of(HttpHeaders headers, BodyFormat... accepted) {
        var values = headers.get(HttpHeaders.CONTENT_TYPE);
        if (values == null || values.isEmpty()) {
            return check(JSON, accepted);
        }
        if (values.size() > 1) {
            throw unsupported("A request carries one Content-Type header");
        }
        MediaTypeHeader media = MediaTypeHeader.parse(values.get(0));
        if (media == null) {
            throw unsupported("Content-Type is not a valid media type; " + expected(accepted));
        }
        String charset = media.charset();
        if (charset != null && !charset.equalsIgnoreCase("utf-8")) {
            throw unsupported("JSON bodies are UTF-8; charset '" + charset + "' is not supported");
        }
        BodyFormat format = switch (media.type()) {
            case "application/json" -> JSON;
            case "application/x-ndjson", "application/ndjson" -> NDJSON;
            default -> null;
        };
        if (format == null) {
            throw unsupported(expected(accepted));
        }
        return check(format, accepted);
    }

    private static BodyFormat check(BodyFormat format, BodyFormat... accepted) {
        for (BodyFormat a : accepted) {
            if (a == format) {
                return format;
            }
        }
        throw unsupported(expected(accepted));
    }

    private static String expected(BodyFormat... accepted) {
        return accepted.length > 1 ? "Send a JSON array (application/json) or one event a line (application/x-ndjson)"
                : "Send a JSON body (application/json)";
    }

    private static ApiProblem unsupported(String detail) {
        return ApiProblem.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type",
                detail);
    }

    /** A parsed {@code Content-Type}: {@code type/subtype} in lower case and its charset parameter, if any. */
    record MediaTypeHeader(String type, String charset) {

        /**
         * RFC 9110 section 8.3.1: {@code type "/" subtype *( OWS ";" OWS [ parameter ] )}, a parameter
         * being {@code token "=" ( token / quoted-string )}; null when {@code value} does not match.
         * Empty parameters ({@code ;;}) are allowed by that grammar; a repeated charset is not.
         */
        static MediaTypeHeader parse(String value) {
            int[] at = {skipWhitespace(value, 0)};
            String type = token(value, at);
            if (type == null || at[0] >= value.length() || value.charAt(at[0]) != '/') {
                return null;
            }
            at[0]++;
            String subtype = token(value, at);
            if (subtype == null) {
                return null;
            }
            String charset = null;
            boolean charsetSeen = false;
            while (true) {
                at[0] = skipWhitespace(value, at[0]);
                if (at[0] == value.length()) {
                    return new MediaTypeHeader((type + "/" + subtype).toLowerCase(Locale.ROOT), charset);
                }
                if (value.charAt(at[0]) != ';') {
                    return null;
                }
                at[0] = skipWhitespace(value, at[0] + 1);
                if (at[0] == value.length() || value.charAt(at[0]) == ';') {
                    continue;
                }
                String name = token(value, at);
                if (name == null || at[0] >= value.length() || value.charAt(at[0]) != '=') {
                    return null;
                }
                at[0]++;
                String parameter = at[0] < value.length() && value.charAt(at[0]) == '"' ? quoted(value, at)
                        : token(value, at);
                if (parameter == null) {
                    return null;
                }
                if (name.equalsIgnoreCase("charset")) {
                    if (charsetSeen) {
                        return null;
                    }
                    charsetSeen = true;
                    charset = parameter;
                }
            }
        }

        private static int skipWhitespace(String value, int from) {
            int i = from;
            while (i < value.length() && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
                i++;
            }
            return i;
        }

        private static String token(String value, int[] at) {
            int start = at[0];
            int i = start;
            while (i < value.length() && isTokenChar(value.charAt(i))) {
                i++;
            }
            at[0] = i;
            return i > start ? value.substring(start, i) : null;
        }

        private static String quoted(String value, int[] at) {
            StringBuilder out = new StringBuilder();
            int i = at[0] + 1;
            while (i < value.length()) {
                char c = value.charAt(i);
                if (c == '"') {
                    at[0] = i + 1;
                    return out.toString();
                }
                if (c == '\\') {
                    i++;
                    if (i == value.length()) {
                        return null;
                    }
                    c = value.charAt(i);
                }
                if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
                    return null;
                }
                out.append(c);
                i++;
            }
            return null;
        }

        private static boolean isTokenChar(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }
}
