package dev.spartan.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree of Certificate Transparency (RFC 9162, section 2.1) over SHA-256: leaf hashes
 * {@code SHA-256(0x00 || entry)}, node hashes {@code SHA-256(0x01 || left || right)}, the tree head of n entries
 * split at the largest power of two below n, and its inclusion and consistency proofs. Pure functions over the
 * leaf hashes: the key log keeps the leaves, this computes over them.
 */
public final class MerkleTree {
    public static final int HASH_BYTES = 32;

    private MerkleTree() {}

    /** {@code SHA-256(0x00 || entry)}. */
    public static byte[] leafHash(byte[] entry) {
        MessageDigest d = sha256();
        d.update((byte) 0);
        return d.digest(entry);
    }

    /** {@code SHA-256(0x01 || left || right)}. */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest d = sha256();
        d.update((byte) 1);
        d.update(left);
        return d.digest(right);
    }

    /** MTH of the leaves {@code [from, to)}: the hash of an empty tree is SHA-256 of nothing. */
    public static byte[] root(List<byte[]> leaves, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return sha256().digest();
        }
        if (n == 1) {
            return leaves.get(from);
        }
        int k = largestPowerOfTwoBelow(n);
        return nodeHash(root(leaves, from, from + k), root(leaves, from + k, to));
    }

    public static byte[] root(List<byte[]> leaves) {
        return root(leaves, 0, leaves.size());
    }

    /** PATH(m, D[n]) of RFC 9162 2.1.3.1: the audit path of leaf {@code index} in the tree of the first n leaves. */
    public static List<byte[]> inclusionProof(List<byte[]> leaves, int index, int n) {
        if (index < 0 || index >= n || n > leaves.size()) {
            throw new IllegalArgumentException("no leaf " + index + " in a tree of " + n);
        }
        List<byte[]> path = new ArrayList<>();
        path(leaves, index, 0, n, path);
        return path;
    }

    private static void path(List<byte[]> leaves, int m, int from, int to, List<byte[]> out) {
        int n = to - from;
        if (n <= 1) {
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(leaves, m, from, from + k, out);
            out.add(root(leaves, from + k, to));
        } else {
            path(leaves, m - k, from + k, to, out);
            out.add(root(leaves, from, from + k));
        }
    }

    /** PROOF(m, D[n]) of RFC 9162 2.1.4.1: that the tree of the first m leaves is a prefix of the tree of n. */
    public static List<byte[]> consistencyProof(List<byte[]> leaves, int m, int n) {
        if (m < 0 || m > n || n > leaves.size()) {
            throw new IllegalArgumentException("no consistency proof from " + m + " to " + n);
        }
        List<byte[]> out = new ArrayList<>();
        if (m > 0 && m < n) {
            subproof(leaves, m, 0, n, true, out);
        }
        return out;
    }

    private static void subproof(List<byte[]> leaves, int m, int from, int to, boolean whole, List<byte[]> out) {
        int n = to - from;
        if (m == n) {
            if (!whole) {
                out.add(root(leaves, from, to));
            }
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(leaves, m, from, from + k, whole, out);
            out.add(root(leaves, from + k, to));
        } else {
            subproof(leaves, m - k, from + k, to, false, out);
            out.add(root(leaves, from, from + k));
        }
    }

    /** RFC 9162 2.1.3.2: true if {@code path} proves that {@code leaf} is leaf {@code index} of the tree {@code root}. */
    public static boolean verifyInclusion(byte[] leaf, long index, long size, List<byte[]> path, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leaf;
        for (byte[] p : path) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /**
     * RFC 9162 2.1.4.2: true if {@code proof} shows that the tree of {@code size1} leaves with root {@code root1} is
     * a prefix of the tree of {@code size2} leaves with root {@code root2}.
     */
    public static boolean verifyConsistency(long size1, long size2, List<byte[]> proof, byte[] root1, byte[] root2) {
        if (size1 < 0 || size2 < size1) {
            return false;
        }
        if (size1 == size2) {
            return proof.isEmpty() && Arrays.equals(root1, root2);
        }
        if (size1 == 0) {
            return proof.isEmpty(); // the empty tree is a prefix of every tree
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(size1) == 1) {
            path.add(0, root1); // size1 a power of two: its root is the first node of the proof
        }
        long fn = size1 - 1;
        long sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(fr, root1) && Arrays.equals(sr, root2);
    }

    private static int largestPowerOfTwoBelow(int n) {
        return Integer.highestOneBit(n - 1);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
