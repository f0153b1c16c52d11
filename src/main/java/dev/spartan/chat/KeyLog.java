package dev.spartan.chat;

import com.google.protobuf.ByteString;
import dev.spartan.contract.KeyLogs;
import dev.spartan.crypto.MerkleTree;
import dev.spartan.proto.KeyInclusion;
import dev.spartan.proto.KeyLogRequest;
import dev.spartan.proto.KeyLogResponse;
import dev.spartan.proto.SignedTreeHead;
import dev.spartan.store.MessageStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * The key transparency log (PROTOCOL.md, "Key transparency"): every identity key this server hands out is an entry
 * of an append-only Merkle tree kept in the store, and every head it shows is signed with the log key the store
 * keeps. An answer that carries a key carries the proof that the key is in the log; a client that checks the proofs
 * and the heads between them makes a key shown to one user and hidden from another visible.
 */
public final class KeyLog {
    private final MessageStore store;
    private final Clock clock;
    private ECPrivateKey signing; // read from the store at first need: a node may start before its store serves
    private ECPublicKey publicKey;
    private final List<byte[]> entries = new ArrayList<>();
    private final List<byte[]> leaves = new ArrayList<>();
    private final Map<String, Integer> firstIndex = new HashMap<>();

    public KeyLog(MessageStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The proof that (user, device 1, identityKey) is in the log, appending it first if it is not. */
    public synchronized KeyInclusion include(String user, byte[] identityKey) {
        byte[] entry = KeyLogs.entry(user, KeyLogs.DEVICE, identityKey);
        catchUp();
        Integer index = firstIndex.get(HexFormat.of().formatHex(entry));
        if (index == null) {
            store.appendKeyLogEntry(entry);
            catchUp(); // another node of a shared store may have appended too: its entries come first
            index = firstIndex.get(HexFormat.of().formatHex(entry));
        }
        int size = leaves.size();
        return KeyInclusion.newBuilder()
                .setHead(head(size))
                .setIndex(index)
                .addAllPath(bytes(MerkleTree.inclusionProof(leaves, index, size)))
                .build();
    }

    /** A signed head, a consistency proof to it, and the entries if asked for. */
    public synchronized KeyLogResponse answer(KeyLogRequest request) {
        catchUp();
        long size = leaves.size();
        long to = request.getToSize() == 0 ? size : request.getToSize();
        if (to > size) {
            throw Refusal.invalid(
                    "the key log has " + size + " entries: no proof from " + request.getFromSize() + " to " + to);
        }
        if (request.getFromSize() > to) {
            throw Refusal.invalid("from_size " + request.getFromSize() + " is above to_size " + to
                    + ": a consistency proof goes from a smaller tree to a larger one");
        }
        KeyLogResponse.Builder out = KeyLogResponse.newBuilder()
                .setHead(head((int) to))
                .addAllConsistency(bytes(MerkleTree.consistencyProof(leaves, (int) request.getFromSize(), (int) to)));
        if (request.getWithEntries()) {
            entries.subList(0, (int) to).forEach(e -> out.addEntries(ByteString.copyFrom(e)));
        }
        return out.build();
    }

    private SignedTreeHead head(int size) {
        if (signing == null) {
            try {
                signing = new ECPrivateKey(
                        store.keyLogKey(ECKeyPair.generate().getPrivateKey().serialize()));
            } catch (InvalidKeyException e) {
                throw new IllegalStateException("the store's key log key is not a Curve25519 private key", e);
            }
            publicKey = signing.publicKey();
        }
        return KeyLogs.sign(signing, publicKey, size, MerkleTree.root(leaves, 0, size), clock.millis()).toBuilder()
                .setStoreEpoch(store.epoch())
                .build();
    }

    private void catchUp() {
        for (byte[] e : store.keyLogEntries(entries.size())) {
            firstIndex.putIfAbsent(HexFormat.of().formatHex(e), entries.size());
            entries.add(e);
            leaves.add(MerkleTree.leafHash(e));
        }
    }

    private static List<ByteString> bytes(List<byte[]> hashes) {
        return hashes.stream().map(ByteString::copyFrom).toList();
    }
}
