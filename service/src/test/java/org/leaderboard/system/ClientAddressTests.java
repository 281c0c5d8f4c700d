package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The client address behind trusted proxies: X-Forwarded-For believed only from a trusted peer,
 * read from the right past every trusted proxy, a malformed entry falling back to the peer; CIDR
 * blocks of both families; the properties refusing what they cannot use.
 */
class ClientAddressTests {

    private final ClientAddress clients = new ClientAddress(
            new HttpProperties(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"), null));

    /** An address from its literal (never a DNS lookup: a literal is parsed). */
    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        }
        catch (UnknownHostException ex) {
            throw new IllegalArgumentException(literal, ex);
        }
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() {
        assertThat(clients.resolve(ip("203.0.113.9"), List.of("198.51.100.1"))).isEqualTo(ip("203.0.113.9"));
        assertThat(clients.resolve(ip("2001:db8::1"), List.of("198.51.100.1"))).isEqualTo(ip("2001:db8::1"));
    }

    @Test
    void aTrustedPeerNamesTheRightMostUntrustedEntry() {
        assertThat(clients.resolve(ip("10.1.2.3"), List.of("198.51.100.1"))).isEqualTo(ip("198.51.100.1"));
        // A client forging the left of the header does not change what its proxy appended.
        assertThat(clients.resolve(ip("10.1.2.3"), List.of("1.2.3.4, 198.51.100.1"))).isEqualTo(ip("198.51.100.1"));
        // Proxies chained inside the trusted blocks are skipped, across several header lines too.
        assertThat(clients.resolve(ip("10.1.2.3"), List.of("1.2.3.4, 198.51.100.1", "192.168.1.7, 10.9.9.9")))
                .isEqualTo(ip("198.51.100.1"));
        assertThat(clients.resolve(ip("fd12::1"), List.of("[2001:db8::5]"))).isEqualTo(ip("2001:db8::5"));
        assertThat(clients.resolve(ip("10.1.2.3"), List.of("::ffff:198.51.100.3"))).isEqualTo(ip("198.51.100.3"));
    }

    @Test
    void aTrustedPeerWithoutUsableEntriesIsTheClient() {
        assertThat(clients.resolve(ip("10.1.2.3"), List.of())).isEqualTo(ip("10.1.2.3"));
        for (String bad : List.of("unknown", "198.51.100.1:8080", "example.org", "", "1.2.3.4, ", "999.1.1.1")) {
            assertThat(clients.resolve(ip("10.1.2.3"), List.of(bad))).as(bad).isEqualTo(ip("10.1.2.3"));
        }
        // Only trusted proxies listed: the furthest one is as near the client as the service can tell.
        assertThat(clients.resolve(ip("10.1.2.3"), List.of("10.7.7.7, 192.168.1.7"))).isEqualTo(ip("10.7.7.7"));
    }

    @Test
    void blocksOfBothFamiliesMatchByPrefix() {
        assertThat(clients.isTrusted(ip("10.255.0.1"))).isTrue();
        assertThat(clients.isTrusted(ip("11.0.0.1"))).isFalse();
        assertThat(clients.isTrusted(ip("192.168.1.7"))).isTrue();
        assertThat(clients.isTrusted(ip("192.168.1.8"))).isFalse();
        assertThat(clients.isTrusted(ip("fdff:1::2"))).isTrue();
        assertThat(clients.isTrusted(ip("fe00::1"))).isFalse();
        assertThat(clients.isTrusted(ip("::ffff:10.0.0.1"))).as("IPv4-mapped").isTrue();
        assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("2001:db8::1"))).as("another family").isFalse();
        assertThat(Cidr.parse("2001:db8::/33").contains(ip("2001:db8:7fff::1"))).isTrue();
        assertThat(Cidr.parse("2001:db8::/33").contains(ip("2001:db8:8000::1"))).isFalse();
    }

    @Test
    void propertiesRefuseWhatTheyCannotUse() {
        for (String bad : List.of("nginx", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0/8")) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> new HttpProperties(List.of(bad), null))
                    .withMessageContaining("trusted-proxies");
        }
        for (String bad : List.of("dons.example.org", "ftp://dons.example.org", "https://", "https://a.example/?x=1",
                "https://user@a.example", "https://a.example/#top", "https://a b")) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> new HttpProperties(List.of(), bad))
                    .withMessageContaining("public-url");
        }
        assertThat(new HttpProperties(List.of("", " 10.0.0.0/8 "), " https://dons.example.org/ "))
                .isEqualTo(new HttpProperties(List.of("10.0.0.0/8"), "https://dons.example.org"));
    }
}
