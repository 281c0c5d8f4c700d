package org.leaderboard.system;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import io.netty.util.NetUtil;

/**
 * An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code fd00::/8}: a trusted proxy of
 * {@code leaderboard.http.trusted-proxies}. Parsed from literals only, never through DNS, so
 * neither start-up nor a request can wait on a name lookup.
 */
record Cidr(byte[] network, int prefix) {

    /** Parses {@code a.b.c.d/n}, {@code v6/n}, or a bare address (a block of one). */
    static Cidr parse(String text) {
        String value = text == null ? "" : text.strip();
        int slash = value.indexOf('/');
        byte[] address = literal(slash < 0 ? value : value.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address or CIDR block");
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(value.substring(slash + 1));
            }
            catch (NumberFormatException ex) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + bits);
            }
        }
        return new Cidr(mask(address, prefix), prefix);
    }

    boolean contains(InetAddress address) {
        byte[] bytes = normalized(address.getAddress());
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefix), network);
    }

    /**
     * The bytes of an IP literal (IPv6 optionally in brackets), IPv4-mapped IPv6 addresses as
     * their IPv4 form; null for anything else (a host name, a port, garbage).
     */
    static byte[] literal(String text) {
        String value = text.strip();
        if (value.length() > 2 && value.charAt(0) == '[' && value.charAt(value.length() - 1) == ']') {
            value = value.substring(1, value.length() - 1);
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(value);
        return bytes == null ? null : normalized(bytes);
    }

    /** An IPv4 client seen through a dual-stack socket arrives as ::ffff:a.b.c.d; it is the same client. */
    static byte[] normalized(byte[] bytes) {
        if (bytes.length != 16) {
            return bytes;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return bytes;
            }
        }
        if (bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
            return bytes;
        }
        return Arrays.copyOfRange(bytes, 12, 16);
    }

    static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (0xff << (8 - keep));
        }
        return masked;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        }
        catch (UnknownHostException ex) {
            throw new IllegalStateException("A parsed network is always 4 or 16 bytes", ex);
        }
    }
}
