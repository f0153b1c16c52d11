package dev.spartan.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RFC 9162's tree over the eight entries of Certificate Transparency's own test data; the roots are those published
 * with it, the proofs were computed by an independent implementation (PROTOCOL.md, "Key transparency", lists them).
 */
class MerkleTreeTest {
    private static final HexFormat HEX = HexFormat.of();
    static final List<String> ENTRIES =
            List.of("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f");
    static final List<String> ROOTS = List.of(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    private final List<byte[]> leaves =
            ENTRIES.stream().map(e -> MerkleTree.leafHash(HEX.parseHex(e))).toList();

    @Test
    void rootsOfEveryPrefix() {
        assertThat(HEX.formatHex(MerkleTree.root(List.of())))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        for (int n = 1; n <= 8; n++) {
            assertThat(HEX.formatHex(MerkleTree.root(leaves, 0, n))).isEqualTo(ROOTS.get(n - 1));
        }
    }

    @Test
    void inclusionProofs() {
        assertThat(hex(MerkleTree.inclusionProof(leaves, 0, 8)))
                .containsExactly(
                        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertThat(hex(MerkleTree.inclusionProof(leaves, 5, 8)))
                .containsExactly(
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        assertThat(hex(MerkleTree.inclusionProof(leaves, 2, 3)))
                .containsExactly("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
        for (int n = 1; n <= 8; n++) {
            for (int i = 0; i < n; i++) {
                List<byte[]> path = MerkleTree.inclusionProof(leaves, i, n);
                byte[] root = MerkleTree.root(leaves, 0, n);
                assertThat(MerkleTree.verifyInclusion(leaves.get(i), i, n, path, root))
                        .isTrue();
                assertThat(MerkleTree.verifyInclusion(leaves.get((i + 1) % 8), i, n, path, root))
                        .as("another leaf")
                        .isFalse();
                if (n > 1) {
                    assertThat(MerkleTree.verifyInclusion(leaves.get(i), i ^ 1, n, path, root))
                            .as("another index")
                            .isFalse();
                }
            }
        }
    }

    @Test
    void consistencyProofs() {
        assertThat(hex(MerkleTree.consistencyProof(leaves, 3, 7)))
                .containsExactly(
                        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                        "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e");
        assertThat(hex(MerkleTree.consistencyProof(leaves, 4, 8)))
                .containsExactly("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertThat(hex(MerkleTree.consistencyProof(leaves, 6, 8)))
                .containsExactly(
                        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        for (int n = 1; n <= 8; n++) {
            for (int m = 0; m <= n; m++) {
                List<byte[]> proof = MerkleTree.consistencyProof(leaves, m, n);
                byte[] old = MerkleTree.root(leaves, 0, m);
                byte[] now = MerkleTree.root(leaves, 0, n);
                assertThat(MerkleTree.verifyConsistency(m, n, proof, old, now))
                        .as("%d to %d", m, n)
                        .isTrue();
                if (m > 0 && m < n) {
                    assertThat(MerkleTree.verifyConsistency(m, n, proof, now, now))
                            .as("a wrong old root")
                            .isFalse();
                }
            }
        }
    }

    /** A log that rewrote an entry it had shown: no proof from the old head to the new one can check out. */
    @Test
    void aForkIsNotConsistent() {
        List<byte[]> forked = new ArrayList<>(leaves);
        forked.set(2, MerkleTree.leafHash(HEX.parseHex("ff")));
        byte[] honestOld = MerkleTree.root(leaves, 0, 4);
        for (int n = 4; n <= 8; n++) {
            List<byte[]> proof = MerkleTree.consistencyProof(forked, 4, n);
            assertThat(MerkleTree.verifyConsistency(4, n, proof, honestOld, MerkleTree.root(forked, 0, n)))
                    .isFalse();
        }
    }

    private static List<String> hex(List<byte[]> hashes) {
        return hashes.stream().map(HEX::formatHex).toList();
    }
}
