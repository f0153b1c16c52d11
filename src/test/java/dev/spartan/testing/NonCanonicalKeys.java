package dev.spartan.testing;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * Encodings of Curve25519 public keys (0x05 then 32 little-endian bytes) that name a point other than by its one
 * canonical u below p = 2^255 - 19: libsignal reduces them silently, the server must refuse them.
 */
public final class NonCanonicalKeys {
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

    private NonCanonicalKeys() {}

    /** {@code key} (a serialized ECPublicKey) with bit 255 set: the same point to libsignal. */
    public static byte[] withBit255(byte[] key) {
        byte[] out = key.clone();
        out[32] |= (byte) 0x80;
        return out;
    }

    /** p + 9: the base point written a second way (u = 9 is not low-order, so only canonicity refuses it). */
    public static byte[] basePointPlusP() {
        return encode(P.add(BigInteger.valueOf(9)));
    }

    /** The encodings the attacker's review used: p, p+9, 2p-1, 2p, 2p+1. */
    public static List<byte[]> reviewed() {
        return List.of(
                encode(P),
                basePointPlusP(),
                encode(P.shiftLeft(1).subtract(BigInteger.ONE)),
                encode(P.shiftLeft(1)),
                encode(P.shiftLeft(1).add(BigInteger.ONE)));
    }

    /** 0x05 and {@code u} as 32 little-endian bytes (the low 256 bits). */
    public static byte[] encode(BigInteger u) {
        byte[] be = u.toByteArray();
        byte[] out = new byte[33];
        out[0] = 5;
        for (int i = 0; i < 32 && i < be.length; i++) {
            out[1 + i] = be[be.length - 1 - i];
        }
        return out;
    }

    public static byte[] raw(byte[] serialized) {
        return Arrays.copyOfRange(serialized, 1, 33);
    }
}
