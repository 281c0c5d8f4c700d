package org.leaderboard.system;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Who sent a request and which public address it came to, for per-client rate limits and the
 * links the service hands out. Forwarding headers are anyone's to write, so they are believed only
 * from a peer inside {@code leaderboard.http.trusted-proxies} (docs/configuration.md); otherwise the
 * client is the TCP peer and the origin the request's own.
 */
@Component
public class ClientAddress {

    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                    + "|\\[[0-9A-Fa-f:.]{2,45}\\])(?::[0-9]{1,5})?");
    private static final InetAddress UNKNOWN = address(new byte[4]);

    private final List<Cidr> trusted;
    private final String publicUrl;

    ClientAddress(HttpProperties properties) {
        this.trusted = properties.trustedBlocks();
        this.publicUrl = properties.publicUrl();
    }

    /**
     * The client: the TCP peer, unless it is a trusted proxy; then the right-most
     * {@code X-Forwarded-For} address that is not a trusted proxy itself (each proxy appends the
     * peer it saw, so entries left of it are the client's to forge). A malformed entry on the way
     * makes the peer the client; a chain of trusted proxies only gives its left-most one.
     */
    public InetAddress of(ServerRequest request) {
        InetAddress peer = request.remoteAddress().map(InetSocketAddress::getAddress).orElse(UNKNOWN);
        return resolve(peer, request.headers().header("X-Forwarded-For"));
    }

    InetAddress resolve(InetAddress peer, List<String> forwardedFor) {
        if (!isTrusted(peer)) {
            return peer;
        }
        List<String> entries = new ArrayList<>();
        for (String header : forwardedFor) {
            entries.addAll(List.of(header.split(",", -1)));
        }
        InetAddress client = peer;
        for (int i = entries.size() - 1; i >= 0; i--) {
            byte[] bytes = Cidr.literal(entries.get(i));
            if (bytes == null) {
                return peer;
            }
            client = address(bytes);
            if (!isTrusted(client)) {
                return client;
            }
        }
        return client;
    }

    /**
     * The scheme, host and port the public reached the service at, without a trailing slash:
     * {@code leaderboard.http.public-url} when set, else the request's own, as a trusted proxy
     * reports it in {@code X-Forwarded-Proto}/{@code X-Forwarded-Host}. A host that is not a host
     * name or IP literal (with an optional port) is answered 400: it would end up in a link.
     */
    public String origin(ServerRequest request) {
        if (publicUrl != null) {
            return publicUrl;
        }
        String scheme = request.uri().getScheme();
        String host = request.headers().firstHeader(HttpHeaders.HOST);
        if (host == null) {
            host = request.uri().getRawAuthority();
        }
        InetAddress peer = request.remoteAddress().map(InetSocketAddress::getAddress).orElse(UNKNOWN);
        if (isTrusted(peer)) {
            String proto = lastValue(request.headers().firstHeader("X-Forwarded-Proto"));
            if ("http".equalsIgnoreCase(proto) || "https".equalsIgnoreCase(proto)) {
                scheme = proto.toLowerCase(Locale.ROOT);
            }
            String forwardedHost = lastValue(request.headers().firstHeader("X-Forwarded-Host"));
            if (forwardedHost != null && !forwardedHost.isEmpty()) {
                host = forwardedHost;
            }
        }
        if (host == null || !HOST.matcher(host).matches() || !("http".equals(scheme) || "https".equals(scheme))) {
            throw ApiProblem.of(HttpStatus.BAD_REQUEST, "bad-host", "Bad host",
                    "The request's host is not a host name or IP address with an optional port");
        }
        return scheme + "://" + host.toLowerCase(Locale.ROOT);
    }

    boolean isTrusted(InetAddress address) {
        for (Cidr block : trusted) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The value the nearest proxy wrote when several are listed. */
    private static String lastValue(String header) {
        if (header == null) {
            return null;
        }
        int comma = header.lastIndexOf(',');
        return header.substring(comma + 1).strip();
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        }
        catch (UnknownHostException ex) {
            throw new IllegalStateException("A parsed address is always 4 or 16 bytes", ex);
        }
    }
}
