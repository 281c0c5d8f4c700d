package org.leaderboard.system;

/**
 * Checks that bytes are well-formed UTF-8 (RFC 3629): no overlong forms such as {@code C0 AF} for
 * {@code /}, no encoded surrogates, nothing past U+10FFFF, no truncated sequence. JSON must be
 * UTF-8, and a lenient decoder would let such bytes alias other text or be stored as {@code ?}.
 */
final class Utf8 {

    private Utf8() {
    }

    /** The offset of the first byte that does not start a well-formed sequence, or -1 when all are well formed. */
    static int firstInvalid(byte[] bytes) {
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xff;
            if (b < 0xC2) {
                return i;
            }
            if (b < 0xE0) {
                if (i + 1 >= n || !continuation(bytes[i + 1])) {
                    return i;
                }
                i += 2;
                continue;
            }
            if (b < 0xF0) {
                if (i + 2 >= n) {
                    return i;
                }
                int b1 = bytes[i + 1] & 0xff;
                if (!continuation(bytes[i + 1]) || !continuation(bytes[i + 2]) || b == 0xE0 && b1 < 0xA0
                        || b == 0xED && b1 >= 0xA0) {
                    return i;
                }
                i += 3;
                continue;
            }
            if (b < 0xF5) {
                if (i + 3 >= n) {
                    return i;
                }
                int b1 = bytes[i + 1] & 0xff;
                if (!continuation(bytes[i + 1]) || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])
                        || b == 0xF0 && b1 < 0x90 || b == 0xF4 && b1 >= 0x90) {
                    return i;
                }
                i += 4;
                continue;
            }
            return i;
        }
        return -1;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
