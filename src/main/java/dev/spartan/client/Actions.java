package dev.spartan.client;

import dev.spartan.crypto.PrivateFiles;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Delete;
import dev.spartan.proto.Edit;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.Reaction;
import dev.spartan.proto.Read;
import dev.spartan.proto.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * Message actions (issue 26): replies, edits, deletes for everyone, reactions, read receipts and disappearing
 * messages, each an end-to-end encrypted {@link Plaintext} that names an earlier message of the same chat by its id.
 * This class makes them, and checks and applies the ones that arrive: only the author may edit (within
 * {@link #EDIT_LIMIT}) or delete a message, only in its own chat, and only a member of a chat may react in it; anything
 * else is refused with a warning. It keeps this device's message log in step (an edit replaces the text, a delete or
 * an expiry removes it) and the short numbers commands use ({@link MessageIndex}).
 */
public final class Actions {
    /** How long after sending a message its author may still edit it. */
    public static final Duration EDIT_LIMIT = Duration.ofHours(24);
    /** The longest emoji (or short text) a reaction may be, in chars. */
    static final int MAX_REACTION = 16;
    /** A quoted line is cut to this many characters. */
    static final int QUOTE = 40;

    static final String TIMERS = "timers";
    static final String DISAPPEARING = "disappearing";

    /** What changed, for the user interface to show. */
    public enum Kind {
        /** A message that quotes {@code target} follows at once. */
        REPLY,
        EDITED,
        DELETED,
        REACTED,
        TIMER,
        /** {@code target}'s timer ran out: gone from the log and from history. */
        DISAPPEARED
    }

    /**
     * One change to show.
     *
     * @param actor  who did it
     * @param chat   the conversation as the user names it: the peer for 1:1, the group for groups
     * @param group  whether {@code chat} is a group
     * @param target the message it is about, as it is now (its text after an edit); null for a timer
     * @param detail the emoji of a reaction (empty: taken back), the timer's notice, or empty
     */
    public record Change(Kind kind, String actor, String chat, boolean group, Incoming target, String detail) {}

    /** Puts content in the outbox; returns its message id. */
    interface Sender {
        /**
         * Queues content for {@code to}.
         *
         * @param logText the text to keep in the message log, or null for an action that is not a message
         */
        String submit(ChatRef to, String content, String logText);
    }

    private final String me;
    private final MessageLog log;
    private final Clock clock;
    private final ScheduledExecutorService timers;
    private final Path keysDir;
    private final ClientListener listener;
    private final BiPredicate<String, String> member;
    private final MessageIndex index = new MessageIndex();
    private final Set<String> edited = ConcurrentHashMap.newKeySet();
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    /** One's own messages the peer has read: a delivery receipt after it must not turn ●● back into ✓✓. */
    private final Set<String> readByPeer = ConcurrentHashMap.newKeySet();

    private final Map<String, String> replyTo = new ConcurrentHashMap<>();
    /** Reactions per message: reactor -> emoji, in the order given. */
    private final Map<String, Map<String, String>> reactions = new ConcurrentHashMap<>();
    /** The disappearing timer of each chat (by {@link #key}), in seconds. */
    private final Map<String, Integer> chatTimers = new ConcurrentHashMap<>();
    /** Messages that disappear, and when (epoch millis). */
    private final Map<String, Long> expiries = new ConcurrentHashMap<>();

    private volatile Sender sender;

    /**
     * @param member whether a user is a member of a group, as this client verified it
     */
    Actions(
            String me,
            MessageLog log,
            Clock clock,
            ScheduledExecutorService timers,
            Path keysDir,
            ClientListener listener,
            BiPredicate<String, String> member) {
        this.me = Objects.requireNonNull(me, "me");
        this.log = Objects.requireNonNull(log, "log");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.keysDir = Objects.requireNonNull(keysDir, "keysDir");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.member = Objects.requireNonNull(member, "member");
        load();
    }

    void sendWith(Sender sender) {
        this.sender = sender;
    }

    /** The key of a conversation: "@peer" or "#group", from either side. */
    static String key(ChatRef chat) {
        return chat.hasGroup() ? "#" + chat.getGroup() : "@" + chat.getUser();
    }

    private static String key(Incoming m) {
        return (m.isGroup() ? "#" : "@") + m.peerOrGroup();
    }

    // ---- numbers ----

    /** Numbers a message shown or listed; returns its number. */
    public int seen(Incoming m) {
        return index.add(key(m), m.messageId());
    }

    // ---- outgoing ----

    /** What a typed line becomes: the text, or the text with the chat's timer. */
    String wrap(ChatRef to, String text) {
        int seconds = chatTimers.getOrDefault(key(to), 0);
        return seconds == 0
                ? text
                : Contents.encode(Plaintext.newBuilder()
                        .setText(text)
                        .setExpireAfterSeconds(seconds)
                        .build());
    }

    /** One's own message was queued (its text logged): numbered, and timed if the chat has a timer. */
    void sent(Incoming own) {
        seen(own);
        int seconds = chatTimers.getOrDefault(key(own), 0);
        if (seconds > 0) {
            disappear(own, own.sentAtMillis() + seconds * 1000L);
        }
    }

    /**
     * The message N of a chat (N 0: the latest that fits): one's own for an edit or a delete, someone else's for a
     * reply or a reaction.
     *
     * @throws IllegalArgumentException in words, if there is none
     */
    public Incoming target(ChatRef chat, int n, boolean own) {
        String k = key(chat);
        Optional<String> id = n > 0
                ? index.byNumber(k, n)
                : index.latest(
                        k,
                        i -> live(i).filter(m -> m.sender().equals(me) == own).isPresent());
        Incoming m = id.flatMap(this::live)
                .orElseThrow(() -> new IllegalArgumentException(
                        n > 0
                                ? "there is no message " + n + " in this chat (/history shows the numbers)"
                                : own
                                        ? "you have sent nothing here that can be changed"
                                        : "nobody else has written here yet"));
        if (own && !m.sender().equals(me)) {
            throw new IllegalArgumentException(
                    "message " + n + " is " + m.sender() + "'s: you can edit or delete only your own");
        }
        return m;
    }

    /** {@code /reply}: a text that quotes {@code target}; returns its id. */
    public String reply(ChatRef chat, Incoming target, String text) {
        requireText(text);
        Plaintext.Builder p = Plaintext.newBuilder().setText(text).setReplyTo(target.messageId());
        int seconds = chatTimers.getOrDefault(key(chat), 0);
        if (seconds > 0) {
            p.setExpireAfterSeconds(seconds);
        }
        String id = submit(chat, p.build(), text);
        replyTo.put(id, target.messageId());
        return id;
    }

    /** {@code /edit}: new text for one's own message, within the time limit; returns the message as it is now. */
    public Incoming edit(ChatRef chat, Incoming target, String text) {
        requireText(text);
        if (clock.millis() - target.sentAtMillis() > EDIT_LIMIT.toMillis()) {
            throw new IllegalArgumentException(
                    "that message is older than " + EDIT_LIMIT.toHours() + " hours: it can no longer be edited");
        }
        submit(
                chat,
                Plaintext.newBuilder()
                        .setEdit(Edit.newBuilder()
                                .setMessageId(target.messageId())
                                .setText(text))
                        .build(),
                null);
        return applyEdit(target, text);
    }

    /** {@code /delete}: one's own message is deleted for everyone (the caller asks the server to drop it too). */
    void delete(ChatRef chat, Incoming target) {
        submit(
                chat,
                Plaintext.newBuilder()
                        .setDelete(Delete.newBuilder().setMessageId(target.messageId()))
                        .build(),
                null);
        applyDelete(target);
    }

    /** {@code /react}: one reaction per person per message, replacing the last; returns the tally ("👍 2"). */
    public String react(ChatRef chat, Incoming target, String emoji) {
        if (!validReaction(emoji) || emoji.isEmpty()) {
            throw new IllegalArgumentException(
                    "a reaction is an emoji or a word of at most " + MAX_REACTION + " characters");
        }
        submit(
                chat,
                Plaintext.newBuilder()
                        .setReaction(Reaction.newBuilder()
                                .setMessageId(target.messageId())
                                .setEmoji(emoji))
                        .build(),
                null);
        return react(target, me, emoji);
    }

    /** {@code /timer SECONDS}: sets the chat's disappearing timer for both sides (0: off). */
    public String timer(ChatRef chat, int seconds) {
        String id = submit(
                chat,
                Plaintext.newBuilder()
                        .setTimer(Timer.newBuilder().setSeconds(seconds))
                        .build(),
                null);
        setTimer(key(chat), seconds);
        return id;
    }

    /** The chat's disappearing timer in seconds, 0 if off. */
    public int timerOf(ChatRef chat) {
        return chatTimers.getOrDefault(key(chat), 0);
    }

    /** Read receipts (1:1 only): the peer's messages {@code ids} were shown in the open chat. */
    void read(String peer, List<String> ids) {
        submit(
                ChatRef.newBuilder().setUser(peer).build(),
                Plaintext.newBuilder()
                        .setRead(Read.newBuilder().addAllMessageIds(ids))
                        .build(),
                null);
    }

    private String submit(ChatRef chat, Plaintext content, String logText) {
        Sender s = sender;
        if (s == null) {
            throw new IllegalStateException("not connected yet");
        }
        return s.submit(chat, Contents.encode(content), logText);
    }

    private static void requireText(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("the text is empty");
        }
    }

    /** A message still in the log and not deleted. */
    private Optional<Incoming> live(String id) {
        return deleted.contains(id) ? Optional.empty() : log.find(id);
    }

    // ---- incoming ----

    /**
     * A message whose plaintext carries an action (its text is {@link Contents}). Applies an action and returns
     * empty, or returns the message as text (a reply, a disappearing message) for the caller to log and show.
     */
    Optional<Incoming> received(Incoming raw) {
        Optional<Plaintext> decoded = Contents.decode(raw.text());
        if (decoded.isEmpty()) {
            return Optional.empty();
        }
        Plaintext p = decoded.get();
        switch (p.getActionCase()) {
            case EDIT -> edited(raw, p.getEdit());
            case DELETE -> deleted(raw, p.getDelete().getMessageId());
            case REACTION -> reacted(raw, p.getReaction());
            case READ -> read(raw, p.getRead());
            case TIMER -> timerSet(raw, p.getTimer().getSeconds());
            case ACTION_NOT_SET -> {
                return Optional.of(text(raw, p));
            }
        }
        return Optional.empty();
    }

    private Incoming text(Incoming raw, Plaintext p) {
        Incoming m = new Incoming(
                raw.messageId(),
                raw.sender(),
                raw.chat(),
                raw.peerOrGroup(),
                p.getText(),
                raw.chatSeq(),
                raw.sentAtMillis());
        if (!p.getReplyTo().isEmpty()) {
            replyTo.put(m.messageId(), p.getReplyTo());
            Optional<Incoming> quoted = inThisChat(raw, p.getReplyTo());
            quoted.ifPresent(q ->
                    listener.changed(new Change(Kind.REPLY, raw.sender(), raw.peerOrGroup(), raw.isGroup(), q, "")));
        }
        if (p.getExpireAfterSeconds() > 0) {
            disappear(m, raw.sentAtMillis() + p.getExpireAfterSeconds() * 1000L);
        }
        return m;
    }

    /** The target of an action, if it is a message of the same chat; refused with a warning if it is of another. */
    private Optional<Incoming> inThisChat(Incoming action, String targetId) {
        Optional<Incoming> target = live(targetId);
        if (target.isPresent() && !key(target.get()).equals(key(action))) {
            warn(action, "refers to a message of another chat");
            return Optional.empty();
        }
        return target;
    }

    private void edited(Incoming action, Edit edit) {
        inThisChat(action, edit.getMessageId()).ifPresent(target -> {
            if (!target.sender().equals(action.sender())) {
                warn(action, "tried to edit " + target.sender() + "'s message");
            } else if (action.sentAtMillis() - target.sentAtMillis() > EDIT_LIMIT.toMillis()) {
                warn(action, "tried to edit a message older than " + EDIT_LIMIT.toHours() + " hours");
            } else if (edit.getText().isBlank()) {
                warn(action, "sent an empty edit");
            } else {
                Incoming now = applyEdit(target, edit.getText());
                listener.changed(
                        new Change(Kind.EDITED, action.sender(), action.peerOrGroup(), action.isGroup(), now, ""));
            }
        });
    }

    private Incoming applyEdit(Incoming target, String text) {
        log.update(target.messageId(), text);
        edited.add(target.messageId());
        return log.find(target.messageId()).orElse(target);
    }

    private void deleted(Incoming action, String targetId) {
        inThisChat(action, targetId).ifPresent(target -> {
            if (!target.sender().equals(action.sender())) {
                warn(action, "tried to delete " + target.sender() + "'s message");
                return;
            }
            applyDelete(target);
            listener.changed(
                    new Change(Kind.DELETED, action.sender(), action.peerOrGroup(), action.isGroup(), target, ""));
        });
    }

    private void applyDelete(Incoming target) {
        deleted.add(target.messageId());
        log.remove(target.messageId());
        forgetExpiry(target.messageId());
    }

    private void reacted(Incoming action, Reaction r) {
        if (!validReaction(r.getEmoji())) {
            warn(action, "sent a reaction that is not one");
            return;
        }
        if (action.isGroup() && !member.test(action.sender(), action.peerOrGroup())) {
            warn(action, "reacted without being a member");
            return;
        }
        inThisChat(action, r.getMessageId()).ifPresent(target -> {
            react(target, action.sender(), r.getEmoji());
            listener.changed(new Change(
                    Kind.REACTED, action.sender(), action.peerOrGroup(), action.isGroup(), target, r.getEmoji()));
        });
    }

    /** Sets (or with "" takes back) one person's reaction; returns the tally ("👍 2 ❤ 1"). */
    private String react(Incoming target, String who, String emoji) {
        Map<String, String> of = reactions.computeIfAbsent(target.messageId(), k -> new LinkedHashMap<>());
        synchronized (of) {
            of.remove(who);
            if (!emoji.isEmpty()) {
                of.put(who, emoji);
            }
        }
        return tally(target.messageId());
    }

    /** The reactions to a message: each emoji and how many gave it, in the order first given ("👍 2 ❤ 1"). */
    public String tally(String messageId) {
        Map<String, String> of = reactions.get(messageId);
        if (of == null) {
            return "";
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        synchronized (of) {
            of.values().forEach(e -> counts.merge(e, 1, Integer::sum));
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((e, n) -> parts.add(e + " " + n));
        return String.join(" ", parts);
    }

    private static boolean validReaction(String emoji) {
        return emoji.length() <= MAX_REACTION
                && emoji.codePoints()
                        .noneMatch(c -> Character.isISOControl(c)
                                || Character.isWhitespace(c)
                                || Character.getType(c) == Character.FORMAT);
    }

    private void read(Incoming action, Read read) {
        if (action.isGroup()) {
            return; // read receipts are for 1:1 chats
        }
        ChatRef to = ChatRef.newBuilder().setUser(action.sender()).build();
        for (String id : read.getMessageIdsList()) {
            log.find(id)
                    .filter(m -> m.sender().equals(me) && key(m).equals(key(action)))
                    .ifPresent(m -> {
                        readByPeer.add(id);
                        listener.sendState(id, to, SendState.READ);
                    });
        }
    }

    boolean wasRead(String messageId) {
        return readByPeer.contains(messageId);
    }

    private void timerSet(Incoming action, int seconds) {
        if (seconds < 0 || seconds > TimerWords.MAX_SECONDS) {
            warn(action, "set a timer out of range");
            return;
        }
        setTimer(key(action), seconds);
        listener.changed(new Change(
                Kind.TIMER,
                action.sender(),
                action.peerOrGroup(),
                action.isGroup(),
                null,
                TimerWords.notice(action.sender(), seconds)));
    }

    private void warn(Incoming action, String what) {
        listener.notice("WARNING: " + action.sender() + " " + what + " in "
                + (action.isGroup() ? action.peerOrGroup() : "your chat with " + action.sender())
                + ": refused.");
    }

    // ---- what the user sees ----

    /**
     * A message as it is now, for history: the latest text of an edit marked "(edited)", its reactions after it, the
     * quoted line above a reply, and with {@code numbered} its short number in front. Empty if it was deleted or
     * disappeared.
     */
    public Optional<Incoming> view(Incoming m, boolean numbered) {
        if (deleted.contains(m.messageId())) {
            return Optional.of(with(m, (numbered ? "#" + seen(m) + " " : "") + "(deleted)"));
        }
        Long at = expiries.get(m.messageId());
        if (at != null && at <= clock.millis()) {
            return Optional.empty();
        }
        Incoming now = log.find(m.messageId()).orElse(m);
        StringBuilder text = new StringBuilder();
        if (numbered) {
            text.append('#').append(seen(m)).append(' ');
        }
        String quoted = replyTo.get(m.messageId());
        if (quoted != null) {
            log.find(quoted).ifPresent(q -> text.append(quote(q)).append('\n'));
        }
        text.append(now.text());
        if (edited.contains(m.messageId())) {
            text.append(" (edited)");
        }
        String t = tally(m.messageId());
        if (!t.isEmpty()) {
            text.append("  ").append(t);
        }
        return Optional.of(with(m, text.toString()));
    }

    /** The quoted line of a reply: "↪ alice: Hey Bob! Lunch at noon?", cut at {@link #QUOTE} characters. */
    public static String quote(Incoming quoted) {
        String line = quoted.text().lines().findFirst().orElse("");
        if (line.codePointCount(0, line.length()) > QUOTE) {
            line = line.substring(0, line.offsetByCodePoints(0, QUOTE)) + "…";
        }
        return "↪ " + quoted.sender() + ": " + line;
    }

    private static Incoming with(Incoming m, String text) {
        return new Incoming(m.messageId(), m.sender(), m.chat(), m.peerOrGroup(), text, m.chatSeq(), m.sentAtMillis());
    }

    // ---- disappearing ----

    private void setTimer(String chatKey, int seconds) {
        if (seconds == 0) {
            chatTimers.remove(chatKey);
        } else {
            chatTimers.put(chatKey, seconds);
        }
        save(TIMERS, chatTimers);
    }

    /** The message goes from the log (and the screen's history) at {@code atMillis}. */
    private void disappear(Incoming m, long atMillis) {
        expiries.put(m.messageId(), atMillis);
        save(DISAPPEARING, expiries);
        schedule(m.messageId(), atMillis, Optional.of(m));
    }

    private void schedule(String messageId, long atMillis, Optional<Incoming> known) {
        var unused = timers.schedule(
                () -> expire(messageId, known), Math.max(0, atMillis - clock.millis()), TimeUnit.MILLISECONDS);
    }

    /**
     * Drops the message from the log, and tells the front end. A message that arrived already due may not be in the
     * log yet: the log then refuses it when it comes ({@link MessageLog#add}), and the change names it all the same.
     */
    private void expire(String messageId, Optional<Incoming> known) {
        Optional<Incoming> gone = log.find(messageId).or(() -> known);
        log.remove(messageId);
        forgetExpiry(messageId);
        expiries.put(messageId, 0L); // stays hidden from history for this session
        gone.ifPresent(
                m -> listener.changed(new Change(Kind.DISAPPEARED, m.sender(), m.peerOrGroup(), m.isGroup(), m, "")));
    }

    private void forgetExpiry(String messageId) {
        if (expiries.remove(messageId) != null) {
            save(DISAPPEARING, expiries);
        }
    }

    private void load() {
        read(TIMERS).forEach((k, v) -> chatTimers.put(k, (int) (long) v));
        read(DISAPPEARING).forEach((id, at) -> {
            expiries.put(id, at);
            schedule(id, at, Optional.empty());
        });
    }

    private synchronized void save(String file, Map<String, ? extends Number> values) {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> {
            if (v.longValue() != 0) {
                b.append(k).append('\t').append(v).append('\n');
            }
        });
        try {
            PrivateFiles.write(keysDir.resolve(file), b.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + keysDir.resolve(file) + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Long> read(String file) {
        Map<String, Long> out = new LinkedHashMap<>();
        Path p = keysDir.resolve(file);
        if (!Files.exists(p)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                if (f.length == 2) {
                    try {
                        out.put(f[0], Long.parseLong(f[1]));
                    } catch (NumberFormatException e) {
                        // a torn line: skipped
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
        return out;
    }
}
