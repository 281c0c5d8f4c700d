package org.leaderboard.system;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the service stands on the web: which peers are reverse proxies whose forwarding headers
 * may be believed, and the public address links it hands out start with.
 *
 * @param trustedProxies CIDR blocks (IPv4 or IPv6, a bare address is a block of one) of the reverse
 *        proxies in front of the service; only a peer inside one of them may name the client in
 *        {@code X-Forwarded-For} and the public origin in {@code X-Forwarded-Proto}/{@code -Host}.
 *        Empty: nobody is trusted, the client is the TCP peer
 * @param publicUrl the absolute http(s) address the service is reached at by the public, e.g.
 *        {@code https://dons.example.org}; share links start with it. Empty: the request's own
 *        scheme and host
 */
@ConfigurationProperties("leaderboard.http")
public record HttpProperties(@DefaultValue List<String> trustedProxies, String publicUrl) {

    public HttpProperties {
        trustedProxies = trustedProxies == null ? List.of()
                : trustedProxies.stream().filter(block -> !block.isBlank()).map(String::strip).toList();
        for (String block : trustedProxies) {
            try {
                Cidr.parse(block);
            }
            catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("leaderboard.http.trusted-proxies: " + ex.getMessage(), ex);
            }
        }
        publicUrl = publicUrl == null || publicUrl.isBlank() ? null : checkedPublicUrl(publicUrl.strip());
    }

    List<Cidr> trustedBlocks() {
        return trustedProxies.stream().map(Cidr::parse).toList();
    }

    private static String checkedPublicUrl(String value) {
        URI uri;
        try {
            uri = new URI(value);
        }
        catch (URISyntaxException ex) {
            throw new IllegalArgumentException("leaderboard.http.public-url: '" + value + "' is not a URL", ex);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("leaderboard.http.public-url: '" + value
                    + "' must be an absolute http or https URL without user, query or fragment,"
                    + " such as https://dons.example.org");
        }
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }
}
