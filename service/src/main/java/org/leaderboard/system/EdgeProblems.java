package org.leaderboard.system;

import java.nio.charset.StandardCharsets;

/**
 * problem+json bodies for the answers the HTTP edge gives below Spring (a request Netty could not
 * decode, a request head that took too long, a client over its connection cap), written by hand
 * because no JSON mapper is at hand in a Netty handler. Their texts are fixed ASCII.
 */
final class EdgeProblems {

    private EdgeProblems() {
    }

    static String type(int status) {
        return switch (status) {
            case 408 -> "request-timeout";
            case 413 -> "payload-too-large";
            case 414 -> "uri-too-long";
            case 426 -> "upgrade-required";
            case 429 -> "too-many-connections";
            case 431 -> "headers-too-large";
            default -> "malformed-request";
        };
    }

    static String title(int status) {
        return switch (status) {
            case 408 -> "Request timeout";
            case 413 -> "Request body too large";
            case 414 -> "Request line too long";
            case 426 -> "Upgrade required";
            case 429 -> "Too many connections";
            case 431 -> "Request headers too large";
            default -> "Malformed request";
        };
    }

    static String detail(int status) {
        return switch (status) {
            case 408 -> "The request head was not received in time";
            case 413 -> "The request body exceeds the size limit";
            case 414 -> "The request line exceeds the size limit";
            case 426 -> "Only WebSocket version 13 is supported";
            case 429 -> "This client address holds its maximum of open connections";
            case 431 -> "The request headers exceed the size limit";
            default -> "The request is not valid HTTP/1.1";
        };
    }

    static byte[] body(int status) {
        return ("{\"type\":\"/problems/" + type(status) + "\",\"title\":\"" + title(status) + "\",\"status\":"
                + status + ",\"detail\":\"" + detail(status) + "\"}").getBytes(StandardCharsets.US_ASCII);
    }

    /** A whole HTTP/1.1 response that closes the connection, for an answer written before any HTTP codec. */
    static byte[] rawResponse(int status, String reason, String extraHeaders) {
        byte[] body = body(status);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/problem+json\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n" + extraHeaders + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }
}
