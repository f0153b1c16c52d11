package dev.spartan.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.contract.KeyLogs;
import dev.spartan.crypto.MerkleTree;
import dev.spartan.crypto.PrivateFiles;
import dev.spartan.proto.KeyInclusion;
import dev.spartan.proto.KeyLogRequest;
import dev.spartan.proto.KeyLogResponse;
import dev.spartan.proto.SignedTreeHead;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * This client's view of the server's key transparency log (PROTOCOL.md, "Key transparency"): the log key pinned at
 * first sight and the newest head it verified, kept in {@code key_log} in the key directory. Every key the server
 * hands out must come with a proof that it is in a head signed by that key, and every new head must extend the one
 * before (a consistency proof). Heads other clients saw arrive inside their messages and are checked the same way.
 */
final class KeyLogBook {
    static final String FILE_NAME = "key_log";

    private final String user;
    private final Path file;
    private final Function<KeyLogRequest, KeyLogResponse> server;
    private final Consumer<String> notice;
    private byte[] logKey; // guarded by this
    private SignedTreeHead newest; // guarded by this
    private String epoch = ""; // the store the pinned log belongs to; guarded by this
    // Each difference is told once.
    private final Set<String> told = new HashSet<>();
    /** Per sender, the head from its messages last found consistent with {@link #agreedWith}; guarded by this. */
    private final java.util.Map<String, SignedTreeHead> agreed = new java.util.HashMap<>();

    private SignedTreeHead agreedWith; // guarded by this

    KeyLogBook(String user, Path dir, Function<KeyLogRequest, KeyLogResponse> server, Consumer<String> notice)
            throws IOException {
        this.user = Objects.requireNonNull(user, "user");
        this.file = dir.resolve(FILE_NAME);
        this.server = Objects.requireNonNull(server, "server");
        this.notice = Objects.requireNonNull(notice, "notice");
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            try {
                logKey = Base64.getDecoder().decode(lines.get(0).strip());
                newest = SignedTreeHead.parseFrom(
                        Base64.getDecoder().decode(lines.get(1).strip()));
                epoch = newest.getStoreEpoch();
            } catch (RuntimeException | InvalidProtocolBufferException e) {
                throw new IOException("corrupt " + file + ": expected the log key and a head, base64", e);
            }
        }
    }

    /** The newest head this client verified, for its messages; empty before the first. */
    synchronized Optional<SignedTreeHead> newest() {
        return Optional.ofNullable(newest);
    }

    /**
     * True if {@code inclusion} proves that the log holds (user, device 1, identityKey) in a head that extends what
     * this client has seen; else warns and returns false, and the key must not be used.
     */
    synchronized boolean proven(String owner, byte[] identityKey, KeyInclusion inclusion) {
        SignedTreeHead head = inclusion.getHead();
        byte[] leaf = MerkleTree.leafHash(KeyLogs.entry(owner, KeyLogs.DEVICE, identityKey));
        String why = null;
        if (!inclusion.hasHead()) {
            why = "the server sent no proof that it logged it";
        } else if (!signed(head)) {
            why = "the key log head is not signed with the log key this client pinned";
        } else if (!MerkleTree.verifyInclusion(
                leaf,
                inclusion.getIndex(),
                head.getSize(),
                inclusion.getPathList().stream().map(ByteString::toByteArray).toList(),
                head.getRootHash().toByteArray())) {
            why = "the proof that it is in the key log does not check out";
        } else if (!advance(head)) {
            why = "the key log it is in does not extend the one this client saw before";
        }
        if (why != null) {
            warnOnce("WARNING: the server handed out a key for " + owner + " that this client does not use: " + why
                    + ".");
            return false;
        }
        return true;
    }

    /**
     * At login: reads the whole log, checks it against the newest head, and warns of every entry for this user with
     * a key that is not {@code ownKey}.
     */
    synchronized void checkOwnEntries(byte[] ownKey) {
        KeyLogResponse r;
        try {
            r = server.apply(KeyLogRequest.newBuilder()
                    .setFromSize(newest == null ? 0 : newest.getSize())
                    .setWithEntries(true)
                    .build());
        } catch (StatusRuntimeException e) {
            return; // checked at the next login
        }
        List<byte[]> leaves = r.getEntriesList().stream()
                .map(e -> MerkleTree.leafHash(e.toByteArray()))
                .toList();
        if (!signed(r.getHead())
                || r.getHead().getSize() != leaves.size()
                || !Arrays.equals(
                        MerkleTree.root(leaves), r.getHead().getRootHash().toByteArray())
                || !advance(r.getHead())) {
            warnOnce("WARNING: the server's key log does not check out (its entries, its head or the head this"
                    + " client saw before): it may be hiding keys it handed out.");
            return;
        }
        boolean foreign = r.getEntriesList().stream()
                .map(e -> KeyLogs.parse(e.toByteArray()))
                .flatMap(Optional::stream)
                .anyMatch(e -> e.user().equals(user) && !e.identityKey().equals(ByteString.copyFrom(ownKey)));
        if (foreign) {
            warnOnce("WARNING: the server published a key for you that is not yours");
        }
    }

    /** A head another member's client verified, from inside its message: it must be consistent with ours. */
    synchronized void gossip(String sender, SignedTreeHead theirs) {
        if (newest == null || theirs.equals(newest)) {
            return; // nothing to compare with yet, or the head this client verified itself
        }
        if (!newest.equals(agreedWith)) {
            agreed.clear(); // checked against a head that is no longer the newest
            agreedWith = newest;
        }
        if (theirs.equals(agreed.get(sender))) {
            return; // a sender's messages carry the same head until its log moves on: checked once is enough
        }
        if (!KeyLogs.verify(theirs, logKey) || !consistent(theirs)) {
            warnOnce("WARNING: the server shows " + sender + "'s client another key log than yours: keys it handed"
                    + " out to one of you are hidden from the other.");
        } else {
            agreed.put(sender, theirs);
        }
    }

    private boolean signed(SignedTreeHead head) {
        if (logKey != null
                && !epoch.isEmpty()
                && !head.getStoreEpoch().isEmpty()
                && !head.getStoreEpoch().equals(epoch)) {
            // A replaced store (restored, emptied) starts a new log, or an older one: pinned anew, and the user is
            // told, as of the store itself.
            notice.accept("The server's store was replaced, and its key log starts over: this client pins its new"
                    + " log key.");
            logKey = null;
            newest = null;
        }
        if (logKey == null) {
            logKey = head.getLogKey().toByteArray(); // pinned at first sight, saved with the first head
            epoch = head.getStoreEpoch();
        }
        return KeyLogs.verify(head, logKey);
    }

    /** Makes {@code head} the newest if it extends it; true if it is consistent either way. */
    private boolean advance(SignedTreeHead head) {
        if (!consistent(head)) {
            return false;
        }
        if (newest == null || head.getSize() > newest.getSize()) {
            newest = head;
            save();
        }
        return true;
    }

    /** True if {@code head} and the newest head are the same tree or one extends the other (asks the server). */
    private boolean consistent(SignedTreeHead head) {
        if (newest == null) {
            return true;
        }
        if (head.getSize() == newest.getSize()) {
            return head.getRootHash().equals(newest.getRootHash());
        }
        boolean headIsOlder = head.getSize() < newest.getSize();
        SignedTreeHead older = headIsOlder ? head : newest;
        SignedTreeHead newer = headIsOlder ? newest : head;
        KeyLogResponse r;
        try {
            r = server.apply(KeyLogRequest.newBuilder()
                    .setFromSize(older.getSize())
                    .setToSize(newer.getSize())
                    .build());
        } catch (StatusRuntimeException e) {
            return false;
        }
        return r.getHead().getRootHash().equals(newer.getRootHash())
                && MerkleTree.verifyConsistency(
                        older.getSize(),
                        newer.getSize(),
                        r.getConsistencyList().stream()
                                .map(ByteString::toByteArray)
                                .toList(),
                        older.getRootHash().toByteArray(),
                        newer.getRootHash().toByteArray());
    }

    private void warnOnce(String text) {
        if (told.add(text)) {
            notice.accept(text);
        }
    }

    private void save() {
        Base64.Encoder b64 = Base64.getEncoder();
        String text = b64.encodeToString(logKey) + "\n" + b64.encodeToString(newest.toByteArray()) + "\n";
        try {
            PrivateFiles.createDir(file.getParent());
            PrivateFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + file, e);
        }
    }
}
