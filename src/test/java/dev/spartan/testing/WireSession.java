package dev.spartan.testing;

import dev.spartan.client.ClientOptions;
import dev.spartan.client.Login;
import dev.spartan.contract.ChatIds;
import dev.spartan.contract.Membership;
import dev.spartan.contract.WireSealed;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.MessageCrypto;
import dev.spartan.crypto.SealedMessage;
import dev.spartan.crypto.TamperedMessageException;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.CreateGroupRequest;
import dev.spartan.proto.GetKeysRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.LeaveGroupRequest;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A user logged in to a real server over real gRPC from the test JVM, with the generated stubs and the real crypto:
 * for protocol-level checks (tampering, replays, wrong keys) that no honest client process would ever do.
 */
public final class WireSession implements AutoCloseable {

    private final String user;
    private final Identity identity;
    private final ManagedChannel channel;
    private final LoginResponse login;

    private WireSession(String user, Identity identity, ManagedChannel channel, LoginResponse login) {
        this.user = user;
        this.identity = identity;
        this.channel = channel;
        this.login = login;
    }

    /**
     * Logs in with the identity kept in {@code keyDir} (created there if missing), over TLS with the server pinned
     * next to it, as a client would.
     */
    public static WireSession login(String user, Path keyDir, int port) {
        return login(user, identity(keyDir), TlsChannels.pinned(port, ClientOptions.knownServers(keyDir)));
    }

    /** Logs in with {@code identity}; throws the server's StatusRuntimeException if it refuses. */
    public static WireSession login(String user, Identity identity, int port) {
        return login(user, identity, TlsChannels.firstUse(port));
    }

    /** Logs in over {@code channel}, which the session owns from now on. */
    public static WireSession login(String user, Identity identity, ManagedChannel channel) {
        try {
            LoginResponse response = Login.perform(channel, user, identity);
            return new WireSession(user, identity, channel, response);
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

    public byte[] agreementKeyOf(String other) {
        return stub().getKeys(GetKeysRequest.newBuilder().setUser(other).build())
                .getKeys()
                .getAgreementKey()
                .toByteArray();
    }

    public List<ChatMessage> history(ChatRef chat) {
        return stub().history(HistoryRequest.newBuilder().setChat(chat).build()).getMessagesList();
    }

    public SendAck send(SendRequest request) {
        return stub().sendMsg(request);
    }

    /** Seals {@code text} as this user for the chat label and readers given (name -> X25519 key; self added). */
    public Sealed seal(String chatLabel, String messageId, String text, Map<String, byte[]> readers) {
        return WireSealed.toWire(MessageCrypto.seal(
                identity, user, chatLabel, messageId, text.getBytes(StandardCharsets.UTF_8), readers));
    }

    /** A correctly sealed message to {@code to}, labelled for it, with a fresh id. */
    public SendRequest message(ChatRef to, String text, Map<String, byte[]> readers) {
        String id = UUID.randomUUID().toString();
        return SendRequest.newBuilder()
                .setMessageId(id)
                .setTo(to)
                .setSealed(seal(ChatIds.cryptoLabel(to), id, text, readers))
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

    public static SealedMessage sealedMessage(Sealed s) {
        return WireSealed.fromWire(s);
    }

    /** Seals {@code text} for a 1:1 chat with {@code peer} and sends it. */
    public SendAck sendTo(String peer, String text) {
        return send(message(ChatIds.toUser(peer), text, Map.of(peer, agreementKeyOf(peer))));
    }

    /** Opens a relayed message as {@code readerName} holding {@code reader}, exactly as a client would. */
    public static String open(Identity reader, String readerName, byte[] senderAgreementKey, ChatMessage m)
            throws TamperedMessageException {
        byte[] plain = MessageCrypto.open(
                reader,
                readerName,
                senderAgreementKey,
                m.getSender(),
                ChatIds.cryptoLabel(m.getChat()),
                m.getMessageId(),
                sealedMessage(m.getSealed()));
        return new String(plain, StandardCharsets.UTF_8);
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
