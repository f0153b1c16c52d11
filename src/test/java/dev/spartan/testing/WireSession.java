package dev.spartan.testing;

import com.google.protobuf.ByteString;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Login;
import dev.spartan.contract.ChatIds;
import dev.spartan.contract.Membership;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SenderKeys;
import dev.spartan.crypto.SignalStore;
import dev.spartan.crypto.StateJournal;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.CreateGroupRequest;
import dev.spartan.proto.GetKeysRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupAnswer;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.LeaveGroupRequest;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.OneTimePreKey;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.PreKeyBundleRequest;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SignedPreKey;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.proto.UploadPreKeysRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * A user logged in to a real server over real gRPC from the test JVM, with the generated stubs and the real crypto:
 * for protocol-level checks (tampering, replays, wrong keys) that no honest client process would ever do.
 */
public final class WireSession implements AutoCloseable {

    private final String user;
    private final Identity identity;
    private final ManagedChannel channel;
    private final LoginResponse login;
    private final Path keyDir;
    private final Map<String, IdentityKey> trusted = new ConcurrentHashMap<>();
    private final Map<String, Long> counters = new ConcurrentHashMap<>();
    private Ratchet ratchet;
    private SignalStore signal;
    private Path ratchetDir;
    private StateJournal journal;
    private SenderKeys senderKeys;

    private WireSession(String user, Identity identity, ManagedChannel channel, LoginResponse login, Path keyDir) {
        this.user = user;
        this.keyDir = keyDir;
        this.identity = identity;
        this.channel = channel;
        this.login = login;
    }

    /**
     * Logs in with the identity kept in {@code keyDir} (created there if missing), over TLS with the server pinned
     * next to it, as a client would.
     */
    public static WireSession login(String user, Path keyDir, int port) {
        return login(user, identity(keyDir), TlsChannels.pinned(port, ClientOptions.knownServers(keyDir)), keyDir);
    }

    /** Logs in with {@code identity}; throws the server's StatusRuntimeException if it refuses. */
    public static WireSession login(String user, Identity identity, int port) {
        return login(user, identity, TlsChannels.firstUse(port));
    }

    /** Logs in over {@code channel}, which the session owns from now on. */
    public static WireSession login(String user, Identity identity, ManagedChannel channel) {
        return login(user, identity, channel, null);
    }

    /** As above, keeping Signal sessions in {@code keyDir} (null: a temporary directory, made on first need). */
    public static WireSession login(String user, Identity identity, ManagedChannel channel, Path keyDir) {
        try {
            LoginResponse response = Login.perform(channel, user, identity);
            return new WireSession(user, identity, channel, response, keyDir);
        } catch (RuntimeException e) {
            channel.shutdownNow();
            throw e;
        }
    }

    public static Identity identity(Path keyDir) {
        try {
            return Identity.loadOrCreate(keyDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PublicKeys wire(Identity id) {
        return Login.keys(id);
    }

    public String user() {
        return user;
    }

    public Identity identity() {
        return identity;
    }

    public ManagedChannel channel() {
        return channel;
    }

    public LoginResponse loginResponse() {
        return login;
    }

    /** A blocking stub that carries this session's bearer token. */
    public SpartanGrpc.SpartanBlockingStub stub() {
        return SpartanGrpc.newBlockingStub(channel)
                .withInterceptors(Login.bearer(login.getSessionToken()))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** An async stub that carries this session's bearer token, without a deadline: for streams. */
    public SpartanGrpc.SpartanStub asyncStub() {
        return SpartanGrpc.newStub(channel).withInterceptors(Login.bearer(login.getSessionToken()));
    }

    /** The channel with this session's bearer token, for calls the generated stubs cannot make (raw bytes). */
    public io.grpc.Channel authorizedChannel() {
        return io.grpc.ClientInterceptors.intercept(channel, Login.bearer(login.getSessionToken()));
    }

    /**
     * The first {@code count} events of a new ReceiveMsg stream (the StreamStarted event included), read within 20 s;
     * the stream is then cancelled.
     */
    public List<dev.spartan.proto.Event> events(dev.spartan.proto.ReceiveRequest request, int count) {
        List<dev.spartan.proto.Event> out = new java.util.ArrayList<>();
        io.grpc.Context.CancellableContext scope = io.grpc.Context.current().withCancellation();
        try {
            scope.run(() -> {
                java.util.Iterator<dev.spartan.proto.Event> it = SpartanGrpc.newBlockingStub(channel)
                        .withInterceptors(Login.bearer(login.getSessionToken()))
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .receiveMsg(request);
                while (out.size() < count && it.hasNext()) {
                    out.add(it.next());
                }
            });
        } finally {
            scope.cancel(null);
        }
        return out;
    }

    /** The identity key the server gives for {@code other} (what a client would pin on first use). */
    public Optional<IdentityKey> identityKeyOf(String other) {
        try {
            return Optional.of(new IdentityKey(
                    stub().getKeys(GetKeysRequest.newBuilder().setUser(other).build())
                            .getKeys()
                            .getIdentityKey()
                            .toByteArray()));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<ChatMessage> history(ChatRef chat) {
        return stub().history(HistoryRequest.newBuilder().setChat(chat).build()).getMessagesList();
    }

    public SendAck send(SendRequest request) {
        return stub().sendMsg(request);
    }

    /**
     * This user's Double Ratchet sessions, in the key directory it logged in with (or a fresh temporary one), trusting
     * the identity keys the server gives: a test harness, not a client that pins keys.
     */
    public synchronized Ratchet ratchet() {
        if (ratchet == null) {
            try {
                Path dir = keyDir != null ? keyDir : Files.createTempDirectory("wire-" + user);
                ratchetDir = dir;
                signal = SignalStore.open(dir, identity, Clock.systemUTC());
                journal = StateJournal.open(dir);
                ratchet = Ratchet.open(
                        dir,
                        signal,
                        peer -> trusted.computeIfAbsent(
                                                peer, p -> identityKeyOf(p).orElse(null))
                                        == null
                                ? Optional.empty()
                                : Optional.of(trusted.get(peer)),
                        journal);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ratchet;
    }

    /** The Plaintext a client seals for a message: text, counter, id and chat inside the encryption. */
    public static Plaintext plaintext(ChatRef to, String messageId, String text, long counter) {
        return Plaintext.newBuilder()
                .setText(text)
                .setCounter(counter)
                .setMessageId(messageId)
                .setChat(to)
                .build();
    }

    /** The CreateGroup request a client makes: the members and the CREATE statement this user signed. */
    public CreateGroupRequest createRequest(String name, String... members) {
        return CreateGroupRequest.newBuilder()
                .setName(name)
                .addAllMembers(List.of(members))
                .setStatement(Membership.create(identity.signalIdentity(), name, user, List.of(members)))
                .build();
    }

    public Group createGroup(String name, String... members) {
        return stub().createGroup(createRequest(name, members));
    }

    /** This user asks {@code peer} to chat and the peer accepts: then this user's groups take the peer in at once. */
    public void chatWith(WireSession peer) {
        stub().requestChat(ChatRequest.newBuilder().setPeer(peer.user()).build());
        peer.stub()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer(user).setAccept(true).build());
    }

    /** Joins a group this user was invited to. */
    public Group joinGroup(String name) {
        return stub().answerGroup(
                        GroupAnswer.newBuilder().setName(name).setJoin(true).build());
    }

    /** Leaves a group with a LEAVE statement chained to the group as the server lists it now. */
    public Group leaveGroup(String name) {
        Group now = stub().listUsers(ListUsersRequest.getDefaultInstance()).getGroupsList().stream()
                .filter(g -> g.getName().equals(name))
                .findFirst()
                .orElse(Group.newBuilder().setName(name).build());
        return stub().leaveGroup(LeaveGroupRequest.newBuilder()
                .setName(name)
                .setStatement(Members.leave(identity.signalIdentity(), user, now))
                .build());
    }

    /** Encrypts {@code content} for each reader over this user's sessions, starting them from prekey bundles. */
    public Sealed seal(byte[] content, String... readers) {
        Sealed.Builder sealed = Sealed.newBuilder();
        try {
            for (String reader : readers) {
                if (reader.equals(user)) {
                    continue;
                }
                if (!ratchet().hasSession(reader)) {
                    ratchet()
                            .start(
                                    reader,
                                    stub().fetchPreKeyBundle(PreKeyBundleRequest.newBuilder()
                                            .setUser(reader)
                                            .build()));
                }
                Ratchet.Sealed s = ratchet().encrypt(reader, content);
                sealed.putCiphertexts(
                        reader,
                        Ciphertext.newBuilder()
                                .setType(s.type())
                                .setBody(ByteString.copyFrom(s.body()))
                                .build());
            }
        } catch (Ratchet.RatchetException e) {
            throw new IllegalStateException(e);
        }
        return sealed.build();
    }

    /** A message to {@code to} encrypted for real for {@code readers}, with a fresh id and the next counter. */
    public SendRequest encrypted(ChatRef to, String text, String... readers) {
        String id = UUID.randomUUID().toString();
        long counter = nextCounter(to);
        return SendRequest.newBuilder()
                .setMessageId(id)
                .setTo(to)
                .setSealed(seal(plaintext(to, id, text, counter).toByteArray(), readers))
                .build();
    }

    /**
     * This user's next number in the conversation, from 1; kept in {@code wire-counters} in the key directory (if the
     * session has one), so a later session with the same directory goes on counting as a client would.
     */
    private synchronized long nextCounter(ChatRef to) {
        String key = (to.hasGroup() ? "#" + to.getGroup() : "@" + to.getUser());
        Path file = keyDir == null ? null : keyDir.resolve("wire-counters");
        try {
            if (counters.isEmpty() && file != null && Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    int space = line.indexOf(' ');
                    counters.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
                }
            }
            long n = counters.merge(key, 1L, Long::sum);
            if (file != null) {
                StringBuilder out = new StringBuilder();
                counters.forEach((k, v) -> out.append(k).append(' ').append(v).append('\n'));
                Files.writeString(file, out);
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A message of the shape the server checks, for tests of the server's rules: one ciphertext per reader (this user
     * left out), whose body is the text itself. No client could read it; {@link #opaqueText} can.
     */
    public SendRequest message(ChatRef to, String text, String... readers) {
        return shaped(user, to, text, readers);
    }

    /** {@link #message} from {@code sender}, for tests that log in without a WireSession. */
    public static SendRequest shaped(String sender, ChatRef to, String text, String... readers) {
        Sealed.Builder sealed = Sealed.newBuilder();
        for (String reader : readers) {
            if (!reader.equals(sender)) {
                sealed.putCiphertexts(
                        reader,
                        Ciphertext.newBuilder()
                                .setType(2)
                                .setBody(ByteString.copyFromUtf8(text))
                                .build());
            }
        }
        return SendRequest.newBuilder()
                .setMessageId(UUID.randomUUID().toString())
                .setTo(to)
                .setSealed(sealed)
                .build();
    }

    /** The text of a message made by {@link #message} for one reader. */
    public static String opaqueText(ChatMessage m) {
        return m.getSealed()
                .getCiphertextsMap()
                .values()
                .iterator()
                .next()
                .getBody()
                .toStringUtf8();
    }

    /** The text of a message made by {@link #message}, as {@code reader}'s copy carries it. */
    public static String opaqueText(ChatMessage m, String reader) {
        return m.getSealed().getCiphertextsOrThrow(reader).getBody().toStringUtf8();
    }

    /** Sends {@code peer} a message of the right shape (see {@link #message}). */
    public SendAck sendTo(String peer, String text) {
        return send(message(ChatIds.toUser(peer), text, peer));
    }

    /**
     * Uploads a signed, a Kyber and {@code oneTime} one-time prekeys from this user's key directory, as a client does
     * after login, so that others can start sessions with this user.
     */
    public void publishPreKeys(int oneTime) {
        ratchet();
        UploadPreKeysRequest.Builder upload = UploadPreKeysRequest.newBuilder()
                .setRegistrationId(signal.registrationId())
                .setSignedPreKey(signedKey(
                        signal.currentSignedPreKey().getId(),
                        signedPublic(signal.currentSignedPreKey()),
                        signal.currentSignedPreKey().getSignature()))
                .setKyberPreKey(signedKey(
                        signal.currentKyberPreKey().getId(),
                        kyberPublic(signal.currentKyberPreKey()),
                        signal.currentKyberPreKey().getSignature()));
        for (PreKeyRecord r : signal.generateOneTimePreKeys(oneTime)) {
            try {
                upload.addOneTimePreKeys(OneTimePreKey.newBuilder()
                        .setId(r.getId())
                        .setPublicKey(ByteString.copyFrom(
                                r.getKeyPair().getPublicKey().serialize())));
            } catch (InvalidKeyException e) {
                throw new IllegalStateException(e);
            }
        }
        stub().uploadPreKeys(upload.build());
    }

    private static byte[] signedPublic(SignedPreKeyRecord r) {
        try {
            return r.getKeyPair().getPublicKey().serialize();
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] kyberPublic(KyberPreKeyRecord r) {
        try {
            return r.getKeyPair().getPublicKey().serialize();
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SignedPreKey signedKey(int id, byte[] key, byte[] signature) {
        return SignedPreKey.newBuilder()
                .setId(id)
                .setPublicKey(ByteString.copyFrom(key))
                .setSignature(ByteString.copyFrom(signature))
                .build();
    }

    /** Opens a relayed message as this user, exactly as a client would decrypt it (its key is then used up). */
    public Plaintext open(ChatMessage m) throws Ratchet.RatchetException {
        Sealed sealed = m.getSealed();
        try {
            if (sealed.getSenderKey().isEmpty()) {
                Ciphertext c = sealed.getCiphertextsOrThrow(user);
                return Plaintext.parseFrom(ratchet()
                        .decrypt(m.getSender(), c.getType(), c.getBody().toByteArray()));
            }
            // Sender keys (PROTOCOL.md, "The envelope"): the carrier, if any, then the one ciphertext.
            Ciphertext carrier = sealed.getCiphertextsMap().get(user);
            if (carrier != null) {
                Plaintext key = Plaintext.parseFrom(ratchet()
                        .decrypt(
                                m.getSender(),
                                carrier.getType(),
                                carrier.getBody().toByteArray()));
                senderKeys()
                        .process(
                                m.getSender(),
                                m.getChat().getGroup(),
                                key.getSenderKeyDistribution().toByteArray());
            }
            byte[] plain =
                    senderKeys().decrypt(m.getSender(), sealed.getSenderKey().toByteArray());
            senderKeys().sync(); // as a client's receive batch does before it shows the message
            return Plaintext.parseFrom(plain);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sender keys beside {@link #ratchet}'s sessions. */
    private synchronized SenderKeys senderKeys() {
        ratchet();
        if (senderKeys == null) {
            try {
                senderKeys = SenderKeys.open(ratchetDir, journal);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return senderKeys;
    }

    /** The text of a relayed message, opened as {@link #open} does. */
    public String text(ChatMessage m) throws Ratchet.RatchetException {
        return open(m).getText();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
