package dev.spartan.client;

import dev.spartan.crypto.Identity;
import dev.spartan.crypto.PeerKeyStore;
import dev.spartan.crypto.SafetyNumber;
import dev.spartan.proto.AckRequest;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.CreateGroupRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.GetKeysRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.LeaveGroupRequest;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.ListUsersResponse;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.PublicKeys;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The client without a terminal: login, the push stream, encryption, the outbox and reconnects. The terminal UI,
 * the tests and the benchmark all drive this same class.
 */
public final class ChatClient implements AutoCloseable {
    private final ClientOptions options;
    private final ClientListener listener;
    private final Identity identity;
    private final KeyBook keys;
    private final ScheduledExecutorService background;
    private final Outbox outbox;
    private final Connection connection;
    private final Envelopes envelopes;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private volatile LoginResponse login;
    private volatile long lastSeq;
    private volatile long ackedSeq;
    /** The server store's epoch that lastSeq counts in; empty until the first stream says. */
    private volatile String storeEpoch = "";

    public ChatClient(ClientOptions options, ClientListener listener) {
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        try {
            this.identity = Identity.loadOrCreate(options.keysDir());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot load keys from " + options.keysDir() + ": " + e.getMessage(), e);
        }
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spartan-client-" + options.user());
            t.setDaemon(true);
            return t;
        });
        try {
            this.keys = new KeyBook(new PeerKeyStore(options.keysDir()), this::fetchKeys, listener::notice);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot read pinned keys in " + options.keysDir() + ": " + e.getMessage(), e);
        }
        this.envelopes = new Envelopes(options.user(), identity, keys, listener::notice);
        this.connection =
                new Connection(options.servers(), options.tls(), background, this::login, this::handle, listener);
        this.outbox = new Outbox(this::transmit, background, listener::notice, connection::lost);
        connection.onReconnected(outbox::resume);
        connection.resumeAfter(() -> lastSeq, () -> storeEpoch);
    }

    public String user() {
        return options.user();
    }

    /** Logs in and opens the push stream. Throws the server's status if it refuses us. */
    public LoginResponse connect() {
        connection.open();
        var unused = background.scheduleWithFixedDelay(this::flushAck, 200, 200, TimeUnit.MILLISECONDS);
        return login;
    }

    private LoginResponse login(ManagedChannel channel) {
        LoginResponse response = Login.perform(channel, user(), identity, options.invite());
        response.getGroupsList().forEach(g -> groups.put(g.getName(), g));
        this.login = response;
        return response;
    }

    private void handle(Event event) {
        if (event.hasStarted()) {
            storeStarted(event.getStarted().getStoreEpoch());
            return;
        }
        if (event.getSeq() > 0 && event.getSeq() <= lastSeq) {
            return; // seen before a reconnect
        }
        switch (event.getKindCase()) {
            case MESSAGE -> open(event.getMessage()).ifPresent(listener::message);
            case CHAT_REQUESTED ->
                listener.chatRequested(event.getChatRequested().getFrom());
            case CHAT_ACCEPTED -> {
                keys.learned(
                        event.getChatAccepted().getBy(), event.getChatAccepted().getKeys());
                listener.chatAccepted(event.getChatAccepted().getBy());
                outbox.resume();
            }
            case CHAT_DECLINED -> {
                String by = event.getChatDeclined().getBy();
                listener.chatDeclined(by);
                int dropped = event.getChatDeclined().getDroppedMessageIdsCount();
                if (dropped > 0) {
                    listener.notice((dropped == 1 ? "1 message" : dropped + " messages") + " you sent to " + by
                            + " while waiting " + (dropped == 1 ? "was" : "were") + " not delivered.");
                }
            }
            case GROUP_CHANGED -> {
                Group g = event.getGroupChanged().getGroup();
                if (event.getGroupChanged().getRemoved()) {
                    groups.remove(g.getName());
                } else {
                    groups.put(g.getName(), g);
                }
                listener.groupChanged(g, event.getGroupChanged().getRemoved());
            }
            case CAUGHT_UP -> listener.caughtUp();
            default -> {}
        }
        if (event.getSeq() > 0) {
            lastSeq = event.getSeq();
        }
    }

    /**
     * The stream names the server's store. Positions belong to one store: after a server's store was replaced
     * (restored, emptied, moved), the old numbers would drop every new event as already seen.
     */
    private synchronized void storeStarted(String epoch) {
        if (!storeEpoch.isEmpty() && !storeEpoch.equals(epoch)) {
            lastSeq = 0;
            ackedSeq = 0;
            listener.notice("The server's store was replaced; starting over from its first message.");
        }
        storeEpoch = epoch;
    }

    private Optional<Incoming> open(ChatMessage m) {
        return envelopes.open(m, true);
    }

    private Optional<PublicKeys> fetchKeys(String user) {
        try {
            return Optional.of(connection
                    .stub()
                    .getKeys(GetKeysRequest.newBuilder().setUser(user).build())
                    .getKeys());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public ChatState requestChat(String peer) {
        ChatState state = connection
                .stub()
                .requestChat(ChatRequest.newBuilder().setPeer(peer).build());
        learnPeer(state);
        return state;
    }

    public ChatState answerChat(String peer, boolean accept) {
        ChatState state = connection
                .stub()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer(peer).setAccept(accept).build());
        learnPeer(state);
        return state;
    }

    private void learnPeer(ChatState state) {
        if (state.hasPeerKeys()) {
            keys.learned(state.getPeer(), state.getPeerKeys());
            outbox.resume();
        }
    }

    /** Queues a message; it is sent in order, once, whatever the rate limit or the connection does. */
    public String send(ChatRef to, String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("empty message not sent");
        }
        String id = UUID.randomUUID().toString();
        outbox.submit(new Outbox.Pending(id, to, text));
        return id;
    }

    private void transmit(Outbox.Pending p) throws Outbox.NotReady {
        try {
            connection.stub().sendMsg(envelopes.seal(p, groups.get(p.to().getGroup())));
        } catch (StatusRuntimeException e) {
            if (p.to().hasGroup() && e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
                refreshGroups(); // membership changed under us: encrypt for the members as they are now
                connection.stub().sendMsg(envelopes.seal(p, groups.get(p.to().getGroup())));
                return;
            }
            throw e;
        }
    }

    /** The recent messages of a chat not yet shown in this session (what opening a chat displays). */
    public List<Incoming> history(ChatRef chat) {
        return history(chat, false);
    }

    /**
     * The recent messages of a chat.
     *
     * @param again true to show again what this session has already displayed (an explicit /history). The server
     *              leaves out what is unacknowledged (still on its way to us), so what was handled is acked first
     *              and a message displayed a moment ago is not missing.
     */
    public List<Incoming> history(ChatRef chat, boolean again) {
        if (again) {
            flushAck();
        }
        List<Incoming> out = new ArrayList<>();
        for (ChatMessage m : connection
                .stub()
                .history(HistoryRequest.newBuilder().setChat(chat).build())
                .getMessagesList()) {
            envelopes.open(m, !again).ifPresent(out::add);
        }
        return out;
    }

    public ListUsersResponse users() {
        ListUsersResponse r = connection.stub().listUsers(ListUsersRequest.getDefaultInstance());
        r.getGroupsList().forEach(g -> groups.put(g.getName(), g));
        return r;
    }

    private void refreshGroups() {
        Map<String, Group> fresh = new HashMap<>();
        users().getGroupsList().forEach(g -> fresh.put(g.getName(), g));
        groups.keySet().retainAll(fresh.keySet());
        groups.putAll(fresh);
    }

    public Optional<Group> group(String name) {
        return Optional.ofNullable(groups.get(name));
    }

    public Group createGroup(String name, List<String> members) {
        Group g = connection
                .stub()
                .createGroup(CreateGroupRequest.newBuilder()
                        .setName(name)
                        .addAllMembers(members)
                        .build());
        groups.put(g.getName(), g);
        return g;
    }

    public Group leaveGroup(String name) {
        Group g = connection
                .stub()
                .leaveGroup(LeaveGroupRequest.newBuilder().setName(name).build());
        groups.remove(name);
        return g;
    }

    /** The safety number of this user and a peer; empty if the peer has no keys. */
    public Optional<String> safetyNumber(String peer) {
        keys.refresh(peer);
        return keys.latest(peer).map(k -> SafetyNumber.of(user(), identity.publicIdentity(), peer, k));
    }

    public boolean trust(String peer) {
        boolean changed = keys.trust(peer);
        if (changed) {
            outbox.resume();
        }
        return changed;
    }

    private void flushAck() {
        long seq;
        String epoch;
        synchronized (this) {
            seq = lastSeq;
            epoch = storeEpoch;
        }
        if (seq > ackedSeq && connection.isUp()) {
            try {
                connection
                        .stub()
                        .ack(AckRequest.newBuilder()
                                .setSeq(seq)
                                .setStoreEpoch(epoch)
                                .build());
                ackedSeq = seq;
            } catch (StatusRuntimeException e) {
                // Acks are repeated on the next tick; a lost one only means a message may be offered again.
            }
        }
    }

    /**
     * Sends what is queued (for up to 5 s), then revokes this session on the server and disconnects. Returns false
     * if the server could not be told (the token then stays valid until it expires).
     */
    public boolean logout() {
        return close(5_000, true);
    }

    /** Waits up to {@code millis} for queued messages to be sent, then disconnects. */
    @Override
    public void close() {
        close(5_000);
    }

    public void close(long millis) {
        close(millis, false);
    }

    private boolean close(long millis, boolean logout) {
        CountDownLatch drained = new CountDownLatch(1);
        outbox.whenDrained(drained::countDown);
        try {
            drained.await(millis, TimeUnit.MILLISECONDS);
            background.submit(this::flushAck).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Closing anyway: what was not acked is offered again next time.
        }
        boolean revoked = false;
        if (logout) {
            try {
                revoked = connection.logout();
            } catch (StatusRuntimeException e) {
                revoked = false;
            }
        }
        connection.close();
        background.shutdownNow();
        return revoked;
    }
}
