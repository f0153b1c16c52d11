package dev.spartan.client;

import dev.spartan.contract.ChatIds;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.PeerKeyStore;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SafetyNumber;
import dev.spartan.crypto.SenderKeys;
import dev.spartan.crypto.SignalStore;
import dev.spartan.crypto.StateJournal;
import dev.spartan.proto.AckRequest;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.ChatState;
import dev.spartan.proto.DeleteMessagesRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.GetKeysRequest;
import dev.spartan.proto.Group;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.ListUsersResponse;
import dev.spartan.proto.LoginResponse;
import dev.spartan.proto.PreKeyBundle;
import dev.spartan.proto.PreKeyBundleRequest;
import dev.spartan.proto.PublicKeys;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import dev.spartan.proto.TypingRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * The client without a terminal: login, the push stream, encryption, the outbox and reconnects. The terminal UI,
 * the tests and the benchmark all drive this same class.
 */
public final class ChatClient implements AutoCloseable {
    private final ClientOptions options;
    private final ClientListener listener;
    private final Identity identity;
    private final DeviceKey device;
    private final DeviceLists deviceLists;
    private final KeyBook keys;
    private final PreKeyUpkeep preKeys;
    private final ScheduledExecutorService background;
    private final Outbox outbox;
    private final Attachments attachments;
    private final Connection connection;
    /** Serializes prekey uploads: the periodic upkeep and the first upload before a chat is opened. */
    private final Object upkeep = new Object();

    private boolean preKeysUploaded; // guarded by upkeep
    private final Envelopes envelopes;
    private final GroupSealer groupSealer;
    private final KeyLogBook keyLog;
    private final Ratchet ratchet;
    private final MessageLog log;
    /** Decrypted messages not shown yet, durable with their batch's state: shown after a kill, never lost. */
    private final KeptMessages kept;

    private final Gaps gaps;
    private final Counters counters;
    private final Groups groups;
    /** The one thread that handles the push stream's events (ReceiveBatches) and the gaps' waits. */
    private final ScheduledExecutorService receiving;

    private final ReceiveBatches inbound;
    /** Messages decrypted and counted in the current batch, shown once its state is synced. */
    private final List<Incoming> toShow = new ArrayList<>();
    /** The highest sequence number in the current batch; 0 when none (only the receiving thread uses it). */
    private long batchSeq;
    /** A batch could not be made durable: nothing more is shown or acknowledged until the client starts again. */
    private volatile boolean receiveStopped;

    private final ClientFeatures features;
    private final Spool spool;
    private final ReceiptBatcher receipts;
    private final Actions actions;
    private final Map<ChatRef, Long> typingSent = new java.util.concurrent.ConcurrentHashMap<>();
    /** The directory this run created for a new identity, deleted again if the first login fails. */
    private final Path createdKeyDir;
    // The chat each recently sent message went to: a receipt counts only for messages sent to its sender.
    private final Map<String, ChatRef> sentTo = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ChatRef> eldest) {
            return size() > 10_000;
        }
    });
    // Ids of messages shown since this client started: opening a chat shows the recent ones not among them.
    private final Map<String, Boolean> shown = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });
    private volatile LoginResponse login;
    private volatile long lastSeq;
    private volatile long ackedSeq;
    /** The server store's epoch that lastSeq counts in; empty until the first stream says. */
    private volatile String storeEpoch = "";

    public ChatClient(ClientOptions options, ClientListener listener) {
        this(options, listener, ClientFeatures.NONE);
    }

    public ChatClient(ClientOptions options, ClientListener listener, ClientFeatures features) {
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.features = Objects.requireNonNull(features, "features");
        this.createdKeyDir = firstMissing(options.keysDir());
        try {
            this.identity = Identity.loadOrCreate(options.keysDir());
            this.device = DeviceKey.load(options.user(), options.keysDir());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot load keys from " + options.keysDir() + ": " + e.getMessage(), e);
        }
        SignalStore signal;
        try {
            signal = SignalStore.open(options.keysDir(), identity, options.clock());
            this.preKeys = new PreKeyUpkeep(signal, this::stub);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("cannot load prekeys from " + options.keysDir() + ": " + e.getMessage(), e);
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
        GroupBook groupBook;
        try {
            // one journal for the sessions, the counters and the sender keys: a batch's state costs one sync
            StateJournal journal = StateJournal.open(options.keysDir());
            this.ratchet = Ratchet.open(options.keysDir(), signal, this::acceptedIdentity, journal);
            this.groupSealer = new GroupSealer(device.address(), SenderKeys.open(options.keysDir(), journal));
            this.log = new MessageLog(options.keysDir());
            this.counters = new Counters(options.keysDir(), journal);
            this.kept = new KeptMessages(options.keysDir(), journal);
            groupBook = new GroupBook(
                    options.user(), options.keysDir(), options.configGroups(), this::identityKeyOf, listener::notice);
            this.groups = new Groups(
                    groupBook,
                    new Invitations(options.user(), options.clock()),
                    options.user(),
                    identity.signalIdentity(),
                    this::stub,
                    this::knownUsers,
                    listener);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot load sessions or groups from " + options.keysDir() + ": " + e.getMessage(), e);
        }
        this.actions = new Actions(
                options.user(),
                log,
                options.clock(),
                background,
                options.keysDir(),
                listener,
                (who, group) -> groups.get(group)
                        .map(g -> g.getMembersList().contains(who))
                        .orElse(false));
        GroupViewCheck views = new GroupViewCheck(
                options.user(),
                groups::verified,
                groupBook,
                listener::notice,
                this::submitControl,
                () -> options.clock().millis());
        try {
            this.keyLog = new KeyLogBook(options.user(), options.keysDir(), this::keyLogCall, listener::notice);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        this.deviceLists = new DeviceLists(ratchet::forget);
        this.envelopes = new Envelopes(
                device.address(),
                deviceLists,
                ratchet,
                keys,
                counters,
                this::fetchBundle,
                listener::notice,
                new LyingServerChecks(views, keyLog, background),
                groupSealer);
        this.receiving = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spartan-receive-" + options.user());
            t.setDaemon(true);
            return t;
        });
        this.inbound = new ReceiveBatches(receiving, new Inbound(), ReceiveBatches.CLIENT_BATCH);
        this.gaps = new Gaps(counters, receiving, this::received, listener::notice);
        if (device.id() > 1) {
            gaps.startAtFirstSeen(); // a linked device joins its chats at whatever number they are at
        }
        this.connection =
                new Connection(options.servers(), options.tls(), background, this::login, inbound::offer, listener);
        this.spool = features.durableOutbox() ? new JournalSpool(options.keysDir(), listener::notice) : Spool.none();
        StreamTransport transport = new StreamTransport(
                connection,
                new StreamTransport.Sealer() {
                    @Override
                    public SendRequest seal(Outbox.Pending p) throws Outbox.NotReady {
                        return envelopes.sealUnsynced(p, groups.verified(p.to().getGroup()));
                    }

                    @Override
                    public void sync() {
                        envelopes.sync();
                    }
                },
                this::transmit,
                this::refreshGroups,
                features.sendStream());
        transport.onMismatchedDevices(deviceLists::apply);
        this.outbox = new Outbox(transport, background, spool, new OutboxEvents(), connection::lost);
        this.receipts = new ReceiptBatcher(background, this::sendReceipt);
        actions.sendWith(this::submit);
        outbox.pauseUntilConnected();
        connection.onReconnected(() -> {
            background.execute(() -> groups.adopt(login.getGroupsList(), false));
            background.execute(this::checkOwnKeyLogEntries);
            outbox.resume();
            background.execute(this::keepPreKeys);
        });
        connection.resumeAfter(() -> lastSeq, () -> storeEpoch);
        this.attachments = new Attachments(options.keysDir(), new FileHost());
    }

    /** Files sent and received in chats (/send, /save, /files). */
    public Attachments attachments() {
        return attachments;
    }

    /** A file message as the line it is shown as (and kept in the log as); any other message as it is. */
    private Incoming shownFile(Incoming m) {
        var file = FileMessages.decode(m.text());
        if (file.isEmpty() || m.sender().equals(user())) {
            return m;
        }
        // the conversation as this reader sees it: the group, or the sender (a 1:1 message names its reader)
        ChatRef chat = m.isGroup() ? m.chat() : ChatIds.toUser(m.sender());
        String line = attachments.received(m.sender(), chat, file.get());
        Incoming shown =
                new Incoming(m.messageId(), m.sender(), m.chat(), m.peerOrGroup(), line, m.chatSeq(), m.sentAtMillis());
        log.add(shown);
        return shown;
    }

    /** What {@link Attachments} needs of this client. */
    private final class FileHost implements Attachments.Host {
        @Override
        public io.grpc.Channel channel() {
            return connection.channel();
        }

        @Override
        public void sendFile(ChatRef to, String messageId, dev.spartan.proto.AttachmentPointer pointer, String shown) {
            sentTo.put(messageId, to);
            log.add(new Incoming(
                    messageId,
                    user(),
                    to,
                    to.hasGroup() ? to.getGroup() : to.getUser(),
                    shown,
                    0,
                    options.clock().millis()));
            outbox.submit(new Outbox.Pending(
                    messageId, to, FileMessages.encode(pointer), options.clock().millis()));
        }

        @Override
        public void notice(String text) {
            listener.notice(text);
        }
    }

    public String user() {
        return options.user();
    }

    /** This device's address: the user for device 1, user#N for linked device N (PROTOCOL.md, "Devices"). */
    public String address() {
        return device.address();
    }

    /** This device's id: 1 for the first, 2 and up for linked ones. */
    public int deviceId() {
        return device.id();
    }

    /** /link, /devices and /unlink of this signed-in device. */
    public Devices devices() {
        return new Devices(this::authedChannel, options.keysDir(), identity, user(), device.id());
    }

    private io.grpc.Channel authedChannel() {
        return connection.stub().getChannel();
    }

    /** The identity a Signal session with {@code address} must show: the account's own for its other devices. */
    private Optional<IdentityKey> acceptedIdentity(String address) {
        String who = dev.spartan.contract.Addresses.userOf(address);
        return who.equals(user()) ? Optional.of(identity.signalIdentity().getPublicKey()) : keys.accepted(who);
    }

    /**
     * Logs in and opens the push stream, then sends what an earlier run left in the outbox. Throws the server's
     * status if it refuses us; a key directory made for this attempt is then removed again.
     */
    public LoginResponse connect() {
        List<Spool.Entry> left = spool.load();
        left.forEach(e -> sentTo.put(e.pending().messageId(), e.pending().to()));
        outbox.restore(left);
        receiving.execute(this::showKept); // the listener is ready now; before the stream's first event
        try {
            connection.open();
        } catch (RuntimeException e) {
            connection.close();
            forgetNewKeyDir();
            throw e;
        }
        groups.adopt(login.getGroupsList(), false);
        if (device.id() > 1) {
            preKeysFirst(); // a linked device reads nothing until its prekeys are up: before it says it is connected
        }
        background.execute(this::checkOwnKeyLogEntries);
        var unused = background.scheduleWithFixedDelay(this::flushAck, 200, 200, TimeUnit.MILLISECONDS);
        var unusedUpkeep = background.scheduleWithFixedDelay(this::keepPreKeys, 0, 10, TimeUnit.MINUTES);
        announce(left);
        outbox.resume();
        attachments.resume();
        return login;
    }

    private SpartanGrpc.SpartanBlockingStub stub() {
        return connection.stub();
    }

    /** Uploads prekeys and tops up the stock; a failure waits for the next login or round. */
    private void keepPreKeys() {
        synchronized (upkeep) {
            if (!connection.isUp()) {
                return;
            }
            try {
                preKeys.run();
                preKeysUploaded = true;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    listener.notice("Could not upload prekeys: " + e.getStatus().getDescription());
                }
            }
        }
    }

    /**
     * A peer who learns of a chat with us fetches our prekey bundle at once; a first login's upload, still running in
     * the background, must not lose that race (the peer's messages would wait on hold for no reason).
     */
    private void preKeysFirst() {
        synchronized (upkeep) {
            if (!preKeysUploaded) {
                keepPreKeys();
            }
        }
    }

    private void announce(List<Spool.Entry> left) {
        Map<ChatRef, Integer> queued = new LinkedHashMap<>();
        Map<ChatRef, Integer> held = new LinkedHashMap<>();
        for (Spool.Entry e : left) {
            (e.held() ? held : queued).merge(e.pending().to(), 1, Integer::sum);
        }
        if (!queued.isEmpty()) {
            boolean one = Outboxes.total(queued) == 1;
            listener.notice(Outboxes.describe(queued) + " from an earlier session " + (one ? "is" : "are")
                    + " queued; sending " + (one ? "it" : "them") + " now.");
        }
        held.forEach((chat, n) -> listener.notice(n + (n == 1 ? " message" : " messages") + " to " + chat.getUser()
                + " from an earlier session " + (n == 1 ? "is" : "are") + " held by the server until "
                + chat.getUser() + " accepts your request."));
    }

    /** The first directory on the way to {@code dir} that does not exist yet; null if {@code dir} exists. */
    private static Path firstMissing(Path dir) {
        Path missing = null;
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    /**
     * After a failed first login: removes the key directory this run made, then the directories it made above it
     * while they are empty. One that holds {@code known_servers} (the pins of servers) stays.
     */
    private void forgetNewKeyDir() {
        if (createdKeyDir == null) {
            return;
        }
        Path keys = options.keysDir().toAbsolutePath();
        try (Stream<Path> all = Files.walk(keys)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            for (Path p = keys.getParent(); p != null && p.startsWith(createdKeyDir); p = p.getParent()) {
                try (Stream<Path> left = Files.list(p)) {
                    if (left.findAny().isPresent()) {
                        break;
                    }
                }
                Files.delete(p);
            }
        } catch (IOException e) {
            // Nothing of value is in it yet: a key the server never saw.
        }
    }

    private LoginResponse login(ManagedChannel channel) {
        LoginResponse response = Login.perform(
                channel,
                device.address(),
                identity,
                options.invite(),
                (nonce, binding) -> device.proveLogin(identity, nonce, binding));
        this.login = response; // its groups are checked once the connection can fetch keys (adoptGroups)
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
            case CHAT_REQUESTED ->
                listener.chatRequested(event.getChatRequested().getFrom());
            case CHAT_ACCEPTED -> {
                keys.shown(
                        event.getChatAccepted().getBy(), event.getChatAccepted().getKeys());
                listener.chatAccepted(event.getChatAccepted().getBy());
                outbox.accepted(event.getChatAccepted().getBy());
                outbox.resume();
            }
            case CHAT_DECLINED -> {
                String by = event.getChatDeclined().getBy();
                // What the server held was dropped by the decline; the outbox keeps it (and asks again on /chat).
                int kept = outbox.declined(by, event.getChatDeclined().getDroppedMessageIdsList());
                listener.chatDeclined(by);
                if (kept > 0) {
                    listener.messagesKept(by, kept);
                }
            }
            case GROUP_CHANGED ->
                groups.changed(
                        event.getGroupChanged().getGroup(),
                        event.getGroupChanged().getRemoved());
            case CAUGHT_UP -> listener.caughtUp();
            case EXPIRED -> expired(event.getExpired());
            case TYPING ->
                listener.typing(event.getTyping().getFrom(), event.getTyping().getChat());
            case DEVICES_CHANGED -> devicesChanged(event.getDevicesChanged());
            default -> {}
        }
        if (event.getSeq() > 0) {
            lastSeq = event.getSeq();
        }
    }

    /** A device list changed: encrypt for it from now on, and say so once (a link must never be silent). */
    private void devicesChanged(dev.spartan.proto.DevicesChanged change) {
        deviceLists.changed(change);
        if (change.getLinked()) {
            listener.notice(
                    change.getUser().equals(user())
                            ? "A new device was linked to your account (see /devices; /unlink N if it was not you)."
                            : change.getUser() + " linked a new device.");
        }
        outbox.resume();
    }

    /** The server deleted messages of ours undelivered: each one's state, then one line for the user. */
    private void expired(dev.spartan.proto.MessagesExpired expired) {
        ChatRef chat = expired.getChat();
        expired.getMessageIdsList().forEach(id -> listener.sendState(id, chat, SendState.EXPIRED));
        int n = expired.getMessageIdsCount();
        String where = chat.hasGroup() ? "in " + chat.getGroup() : "to " + chat.getUser();
        listener.notice(n + (n == 1 ? " message" : " messages") + " you sent " + where
                + " expired on the server undelivered (kept past its retention) and " + (n == 1 ? "was" : "were")
                + " deleted.");
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

    /** The push stream's events as {@link ReceiveBatches} hands them over, on the receiving thread. */
    private final class Inbound implements ReceiveBatches.Handler {
        /** Decrypts and keeps in the log (the only copy this device will have); counts it, shows nothing yet. */
        @Override
        public void message(Event event) {
            long seq = event.getSeq();
            if (receiveStopped || (seq > 0 && (seq <= lastSeq || seq <= batchSeq))) {
                return; // seen before a reconnect
            }
            envelopes.receiveBatchBegun();
            try {
                Optional<Envelopes.Opened> opened = envelopes.open(event.getMessage());
                opened.ifPresent(o -> {
                    if (!DeliveryReceipt.isControl(o.message().text())) {
                        log.add(o.message());
                    }
                    if (gaps.isNew(o.message(), o.counter(), o.from())) {
                        kept.keep(o); // durable with the batch's state, so a kill before the screen loses none
                        toShow.addAll(gaps.counted(o.message(), o.counter(), o.from()));
                    }
                });
            } catch (java.io.UncheckedIOException e) {
                throw e; // the state cannot be kept: the batch fails whole
            } catch (RuntimeException e) {
                // one message's fault (a check that could not run): it alone is dropped, as a replay would be
                listener.notice("A message the server says is from "
                        + event.getMessage().getSender() + " could not be handled (" + e.getMessage()
                        + ") and was dropped.");
            }
            batchSeq = Math.max(batchSeq, seq);
        }

        /**
         * Syncs every session and the counters the batch moved, once each, then shows its messages in counter order.
         * They count as handled (to be acknowledged) before they are shown: a /history typed as soon as one appears
         * must find the server holding it as read, and it is in the log by then.
         */
        @Override
        public void commit() {
            if (receiveStopped || (batchSeq == 0 && toShow.isEmpty())) {
                envelopes.receiveBatchEnded();
                return;
            }
            try {
                kept.stage(); // the plaintexts in the same frame as the state that consumed their keys
                envelopes.sync();
            } finally {
                envelopes.receiveBatchEnded();
            }
            List<Incoming> ready = List.copyOf(toShow);
            toShow.clear();
            if (batchSeq > 0) {
                lastSeq = batchSeq;
            }
            batchSeq = 0;
            showAll(ready);
        }

        @Override
        public void other(Event event) {
            if (!receiveStopped) {
                handle(event);
            }
        }

        @Override
        public void failed(RuntimeException e) {
            // The batch's plaintexts go with its state into whichever frame a later send syncs: that sync makes the
            // server's copies undecryptable, so they must be shown from here at the next start.
            kept.stage();
            envelopes.receiveBatchEnded();
            receiveStopped = true;
            toShow.clear();
            batchSeq = 0;
            listener.notice("Could not save the state of received messages (" + e.getMessage() + "); they were not"
                    + " shown, and nothing more is read until the client is started again (the server keeps them).");
        }
    }

    /**
     * What a killed run decrypted, synced and kept but did not show: counted again (or let through as its synced
     * counters say) and shown now, in order, before the stream's first event. The server's copies, redelivered, no
     * longer decrypt and are dropped as replays.
     */
    private void showKept() {
        List<Incoming> ready = new ArrayList<>();
        for (Envelopes.Opened o : kept.left()) {
            if (!DeliveryReceipt.isControl(o.message().text())) {
                log.add(o.message()); // there already unless the machine (not just the process) went down
            }
            ready.addAll(gaps.recounted(o.message(), o.counter(), o.from()));
        }
        counters.sync();
        showAll(ready);
    }

    private void showAll(List<Incoming> ready) {
        for (Incoming m : ready) {
            try {
                received(m);
            } catch (RuntimeException e) {
                // shown state is durable already: the next messages must not wait for this one
                listener.notice("A message from " + m.sender() + " could not be shown: " + e.getMessage());
            }
        }
    }

    /** Shows (or applies) a message whose state is durable, then deletes its kept plaintext. */
    private void received(Incoming arrived) {
        try {
            showOrApply(arrived);
        } finally {
            kept.shown(arrived.messageId());
        }
    }

    private void showOrApply(Incoming arrived) {
        Incoming received = shownFile(arrived);
        if (Contents.is(received.text())) {
            // an action is applied; a reply or a timed text is logged and shown as text
            actions.received(received).ifPresent(text -> {
                if (log.add(text)) { // false: its timer already ran (it arrived due), so it is not shown
                    shownAsText(text);
                }
            });
            return;
        }
        shownAsText(received);
    }

    private void shownAsText(Incoming m) {
        boolean fromPeer = !m.isGroup() && !m.sender().equals(user());
        if (DeliveryReceipt.isControl(m.text())) {
            if (fromPeer) {
                DeliveryReceipt.decode(m.text()).ifPresent(ids -> delivered(m.sender(), ids));
            }
            return; // a control message of a kind this client does not know: not text, so not shown
        }
        shown.put(m.messageId(), Boolean.TRUE);
        actions.seen(m);
        listener.message(m);
        if (fromPeer && features.deliveryReceipts()) {
            receipts.shown(m.sender(), m.messageId());
        }
    }

    private void delivered(String peer, List<String> ids) {
        ChatRef chat = ChatIds.toUser(peer);
        for (String id : ids) {
            if (chat.equals(sentTo.get(id)) && !actions.wasRead(id)) {
                listener.sendState(id, chat, SendState.DELIVERED);
            }
        }
    }

    /** A control message of this client's (a group view report): queued as a receipt is. */
    private void submitControl(Outbox.Pending message) {
        outbox.submitReceipt(message);
    }

    private void sendReceipt(String peer, List<String> ids) {
        outbox.submitReceipt(new Outbox.Pending(
                UUID.randomUUID().toString(),
                ChatIds.toUser(peer),
                DeliveryReceipt.encode(ids),
                options.clock().millis()));
    }

    /** Every login: is there a key in the server's key log in this user's name that is not this user's? */
    private void checkOwnKeyLogEntries() {
        keyLog.checkOwnEntries(identity.signalIdentity().getPublicKey().serialize());
    }

    private dev.spartan.proto.KeyLogResponse keyLogCall(dev.spartan.proto.KeyLogRequest request) {
        return dev.spartan.proto.KeyTransparencyGrpc.newBlockingStub(
                        connection.stub().getChannel())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .keyLog(request);
    }

    /** A peer's keys from the server, only with the proof that the key log holds them (else the user is warned). */
    private Optional<PublicKeys> fetchKeys(String user) {
        try {
            dev.spartan.proto.GetKeysResponse r = connection
                    .stub()
                    .getKeys(GetKeysRequest.newBuilder().setUser(user).build());
            return keyLog.proven(user, r.getKeys().getIdentityKey().toByteArray(), r.getInclusion())
                    ? Optional.of(r.getKeys())
                    : Optional.empty();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The bundle of one device, by its address; its identity key must be in the key log under its user. */
    private Optional<PreKeyBundle> fetchBundle(String address) {
        try {
            PreKeyBundle b = connection
                    .stub()
                    .fetchPreKeyBundle(
                            PreKeyBundleRequest.newBuilder().setUser(address).build());
            return keyLog.proven(
                            dev.spartan.contract.Addresses.userOf(address),
                            b.getIdentityKey().toByteArray(),
                            b.getInclusion())
                    ? Optional.of(b)
                    : Optional.empty();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public ChatState requestChat(String peer) {
        preKeysFirst();
        ChatState state = connection
                .stub()
                .requestChat(ChatRequest.newBuilder().setPeer(peer).build());
        learnPeer(state);
        chatOpened(state);
        return state;
    }

    public ChatState answerChat(String peer, boolean accept) {
        if (accept) {
            preKeysFirst();
        }
        ChatState state = connection
                .stub()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer(peer).setAccept(accept).build());
        learnPeer(state);
        chatOpened(state);
        return state;
    }

    private void chatOpened(ChatState state) {
        if (state.getStatus() == ChatState.Status.ACCEPTED) {
            outbox.accepted(state.getPeer());
        } else if (state.getStatus() == ChatState.Status.PENDING) {
            outbox.reopened(ChatIds.toUser(state.getPeer()));
        }
    }

    private void learnPeer(ChatState state) {
        if (state.hasPeerKeys()) {
            keys.shown(state.getPeer(), state.getPeerKeys());
            outbox.resume();
        }
    }

    /**
     * Queues a message; it is sent in order, once, whatever the rate limit or the connection does. With a durable
     * outbox it is on disk when this returns.
     *
     * @return the message id, which {@link ClientListener#sendState} reports on
     * @throws UncheckedIOException if the durable outbox cannot save it (then it is not sent either)
     */
    public String send(ChatRef to, String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("empty message not sent");
        }
        if (DeliveryReceipt.isControl(text)) {
            throw new IllegalArgumentException("a message cannot start with U+0000");
        }
        return submit(to, actions.wrap(to, text), text);
    }

    /** Queues content (text, or an action as {@link Contents}); {@code logText} non-null logs it as a message. */
    private String submit(ChatRef to, String content, String logText) {
        String id = UUID.randomUUID().toString();
        sentTo.put(id, to);
        if (logText != null) {
            Incoming own = new Incoming(
                    id,
                    user(),
                    to,
                    to.hasGroup() ? to.getGroup() : to.getUser(),
                    logText,
                    0,
                    options.clock().millis());
            log.add(own);
            actions.sent(own);
        }
        outbox.submit(new Outbox.Pending(id, to, content, options.clock().millis()));
        return id;
    }

    /** Replies, edits, reactions, timers and what the reader sees of them (issue 26). */
    public Actions actions() {
        return actions;
    }

    /**
     * {@code /delete}: the readers' clients drop {@code target}, one's own message, and the server drops what it
     * still holds of it.
     */
    public void deleteForEveryone(ChatRef chat, Incoming target) {
        actions.delete(chat, target);
        connection
                .stub()
                .deleteMessages(DeleteMessagesRequest.newBuilder()
                        .setChat(chat)
                        .addMessageIds(target.messageId())
                        .build());
    }

    /** Tells {@code peer} that their messages {@code ids} were read (only for users who opted in). */
    public void markRead(String peer, List<String> ids) {
        if (!ids.isEmpty()) {
            actions.read(peer, ids);
        }
    }

    /**
     * A typing indicator for {@code chat} (opt-in), sent in the background at most once every 3 s per chat, which is
     * also as often as the server passes one on. Cheap to call on every key.
     */
    public void typing(ChatRef chat) {
        long now = options.clock().millis();
        Long last = typingSent.get(chat);
        if (last != null && now - last < 3_000) {
            return;
        }
        typingSent.put(chat, now);
        background.execute(() -> {
            if (connection.isUp()) {
                try {
                    connection
                            .stub()
                            .typing(TypingRequest.newBuilder().setChat(chat).build());
                } catch (StatusRuntimeException e) {
                    // an indicator lost is no loss
                }
            }
        });
    }

    private SendAck transmit(Outbox.Pending p) throws Outbox.NotReady {
        try {
            return MismatchedDevicesRetry.send(
                    () -> connection.stub().sendMsg(envelopes.seal(p, groups.verified(p.to().getGroup()))),
                    deviceLists::apply);
        } catch (StatusRuntimeException e) {
            if (p.to().hasGroup() && e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
                refreshGroups(); // membership changed under us: encrypt for the members as they are now
                return MismatchedDevicesRetry.send(
                        () -> connection.stub().sendMsg(envelopes.seal(p, groups.verified(p.to().getGroup()))),
                        deviceLists::apply);
            }
            throw e;
        }
    }

    /** Messages the server has not stored yet, per chat (what quitting now would leave for the next start). */
    public Map<ChatRef, Integer> unsent() {
        return outbox.unsent();
    }

    /** Waits up to {@code millis} until nothing is queued or being sent; returns what is still unsent. */
    public Map<ChatRef, Integer> awaitSent(long millis) {
        CountDownLatch drained = new CountDownLatch(1);
        outbox.whenDrained(drained::countDown);
        try {
            drained.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return outbox.unsent();
    }

    /** True while queued messages are going out without the user's help (connected, not rate limited). */
    public boolean isSending() {
        return outbox.isMoving();
    }

    /** Peers who declined while messages to them were kept, with how many for each. */
    public Map<String, Integer> kept() {
        return outbox.kept();
    }

    /**
     * Opening {@code chat} is the user's answer to a decline by anyone else: what was kept for them goes. Returns a
     * line for each peer whose messages were dropped.
     */
    public List<String> discardKeptExcept(ChatRef chat) {
        List<String> said = new ArrayList<>();
        kept().forEach((peer, n) -> {
            if (!chat.hasUser() || !chat.getUser().equals(peer)) {
                int dropped = discard(peer);
                if (dropped > 0) {
                    said.add(dropped + (dropped == 1 ? " message" : " messages") + " to " + peer + " discarded (" + peer
                            + " declined, and you chose another chat).");
                }
            }
        });
        return said;
    }

    /** Drops the kept messages to a peer; returns how many. */
    public int discard(String peer) {
        return outbox.discard(ChatIds.toUser(peer));
    }

    public boolean isConnected() {
        return connection.isUp();
    }

    /** Where the durable outbox keeps its files (README, Durable outbox). */
    public Path outboxDir() {
        return options.keysDir().resolve(FileSpool.DIR);
    }

    /** The recent messages of a chat not yet shown in this session (what opening a chat displays). */
    public List<Incoming> history(ChatRef chat) {
        return history(chat, false);
    }

    /**
     * The recent messages of a chat: the server's History says which messages it holds and in which order, and their
     * text comes from this device's own log (a ratchet message decrypts once). A message not in the log (sent or
     * received before this key directory existed) is left out.
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
            if (!again && shown.containsKey(m.getMessageId())) {
                continue;
            }
            log.find(m.getMessageId())
                    .map(in -> new Incoming(
                            in.messageId(),
                            in.sender(),
                            in.chat(),
                            in.peerOrGroup(),
                            in.text(),
                            m.getChatSeq(),
                            m.getSentAtMillis()))
                    .ifPresent(out::add);
        }
        return out;
    }

    /** Every user, who is online, and this user's groups, their members as verified (see {@link GroupBook}). */
    public ListUsersResponse users() {
        return groups.list();
    }

    private void refreshGroups() {
        groups.list();
    }

    private List<String> knownUsers() {
        LoginResponse l = login;
        return l == null ? List.of() : l.getUsersList();
    }

    /** The identity key a membership statement by {@code who} must be signed with: pinned on first sight. */
    private Optional<IdentityKey> identityKeyOf(String who) {
        if (who.equals(user())) {
            return Optional.of(identity.signalIdentity().getPublicKey());
        }
        try {
            return keys.pinned(who);
        } catch (StatusRuntimeException e) {
            return Optional.empty(); // not checked now; the group keeps its last verified state until the next read
        }
    }

    /** The groups this user is in, by name. */
    public List<String> groupNames() {
        return groups.names();
    }

    public Optional<Group> group(String name) {
        return groups.get(name);
    }

    /** The question of an open invitation to {@code group} (e.g. "mallory added you to 'x' with alice."), if any. */
    public Optional<String> invitation(String group) {
        return groups.invitation(group);
    }

    /** See {@link Groups#answer}. */
    public Optional<Group> answerGroup(String name, boolean join) {
        return groups.answer(name, join);
    }

    /** See {@link Groups#create}. */
    public Group createGroup(String name, List<String> members) {
        return groups.create(name, members);
    }

    /** See {@link Groups#leave}. */
    public Group leaveGroup(String name) {
        return groups.leave(name);
    }

    /** The safety number of this user and a peer; empty if the peer has no keys. */
    public Optional<String> safetyNumber(String peer) {
        keys.refresh(peer);
        return keys.latest(peer)
                .map(k -> SafetyNumber.of(user(), identity.signalIdentity().getPublicKey(), peer, k));
    }

    public boolean trust(String peer) {
        boolean changed = keys.trust(peer);
        if (changed) {
            // A session with the old identity: the next message starts one with the new, and counts from 1 again.
            deviceLists.of(peer).forEach(ratchet::forget);
            counters.forget(peer);
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
        if (millis > 0) {
            awaitSent(millis);
        }
        attachments.close(); // a transfer still running goes on at the next start
        try {
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
        inbound.close();
        receiving.shutdownNow();
        background.shutdownNow();
        return revoked;
    }

    private final class OutboxEvents implements Outbox.Listener {
        @Override
        public void state(Outbox.Pending message, SendState state) {
            switch (state) { // a key carrier counts once the server stored it (GroupSealer)
                case STORED, HELD -> groupSealer.stored(message.messageId());
                case FAILED -> groupSealer.failed(message.messageId());
                default -> {}
            }
            listener.sendState(message.messageId(), message.to(), state);
        }

        @Override
        public void notice(String text) {
            listener.notice(text);
        }
    }
}
