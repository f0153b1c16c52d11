package dev.spartan.client;

import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.SendAck;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Outgoing messages, sent in the order typed, up to the transport's window at a time. A message is written to the {@link Spool} before it is
 * queued and leaves it only when the server has stored it or refused it for good. A rate-limit refusal pauses the
 * queue for the delay the server names; a lost connection pauses it until the client is back; either way the message
 * is sent later with the same id, so the server stores it once.
 *
 * <p>A chat whose messages cannot go yet (the peer has no usable key, or there is no chat because the peer declined)
 * waits on its own, so it holds up no other chat. Messages the server holds until the peer accepts stay in the spool
 * until the peer accepts, so that a decline can say what is affected. Delivery receipts go last and are never
 * written to disk.
 */
final class Outbox {
    record Pending(String messageId, ChatRef to, String text, long queuedAtMillis) {}

    /** The peer's keys are not usable yet (never logged in, or changed and not trusted). */
    static final class NotReady extends Exception {
        NotReady(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * Not an answer yet: this message and everything after it go again now, after {@code first} has run (the groups
     * were read again, or the transport changed).
     */
    static final class SendAgain extends Exception {
        private final transient Runnable first;

        SendAgain(String why, Runnable first) {
            super(why, null, false, false);
            this.first = Objects.requireNonNull(first, "first");
        }
    }

    /**
     * A transport that keeps up to a window of messages in flight and answers each, in the order sent: the next
     * message goes as soon as an answer frees a place.
     */
    interface Pipeline {
        /** True if one more message may be sent before an answer comes. */
        boolean hasRoom();

        /**
         * Sends one message; its one answer goes to {@code answer}, on any thread, perhaps before this returns.
         * Returns false if the message was not sent (its answer says why): nothing is sent after it until that answer
         * is taken.
         */
        boolean send(Pending message, java.util.function.Consumer<Answer> answer);

        /** The answers still to come are no longer wanted: the messages go again, from the first one not taken. */
        void abandon();

        /**
         * Sends what {@link #send} took and has not sent yet. A pipeline may hold messages back to send several at
         * once; the outbox calls this whenever it stops handing over messages.
         */
        default void flush() {}
    }

    /** One message's answer: the server's ack, or why it was not stored ({@link NotReady}, a status, a bug). */
    record Answer(SendAck ack, Exception failure) {
        static Answer stored(SendAck ack) {
            return new Answer(Objects.requireNonNull(ack, "ack"), null);
        }

        static Answer failed(Exception failure) {
            return new Answer(null, Objects.requireNonNull(failure, "failure"));
        }
    }

    interface Transport {
        SendAck send(Pending message) throws NotReady;

        /**
         * Sends messages in order and answers a prefix of them, in order: those without an answer stay queued and go
         * in the next round. This one sends one at a time and stops at the first that is not stored.
         */
        default List<Answer> sendAll(List<Pending> messages) {
            List<Answer> answers = new ArrayList<>();
            for (Pending p : messages) {
                Answer a;
                try {
                    a = Answer.stored(send(p));
                } catch (NotReady | RuntimeException e) {
                    a = Answer.failed(e);
                }
                answers.add(a);
                if (a.ack() == null) {
                    break;
                }
            }
            return answers;
        }

        /** How many messages one round may send before any is answered. */
        default int window() {
            return 1;
        }

        /** A sliding window instead of rounds, or null to send in rounds with {@link #sendAll} (as now). */
        default Pipeline pipeline() {
            return null;
        }
    }

    /** A message sent on the pipeline, and its answer once it came. */
    /** Messages handed to a pipeline between two flushes, at most: one sync of the key directory for each such batch. */
    private static final int FLUSH_EVERY = 32;

    private static final class Flight {
        final Pending message;
        final boolean receipt;
        Answer answer;

        Flight(Pending message, boolean receipt) {
            this.message = message;
            this.receipt = receipt;
        }
    }

    interface Listener {
        void state(Pending message, SendState state);

        void notice(String text);
    }

    private enum Hold {
        /** Waits for a key: tried again whenever keys may have changed or the connection is back. */
        KEYS,
        /** Refused for want of a chat: tried again when the user opens the chat again. */
        NO_CHAT
    }

    private final Transport transport;
    private final ScheduledExecutorService thread;
    private final Spool spool;
    private final Listener listener;
    private final Runnable connectionLost;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private final Deque<Pending> receipts = new ArrayDeque<>();
    /** The messages of the round being sent: their answers, not a decline meanwhile, decide where they go. */
    private final Set<Pending> inFlight = new HashSet<>();

    private final Map<ChatRef, Deque<Pending>> waiting = new LinkedHashMap<>();
    private final Map<ChatRef, Hold> holds = new LinkedHashMap<>();
    /** Why a chat has no chat (its peer declined, or the server's words), for the notice of each message kept. */
    private final Map<ChatRef, String> noChatBecause = new LinkedHashMap<>();

    private final Map<String, List<Pending>> held = new LinkedHashMap<>();
    private final Set<String> declined = new HashSet<>();
    private boolean waitingForConnection;
    private boolean sending;
    private long pausedUntilNanos;
    private boolean pauseAnnounced;
    private final List<Runnable> whenSettled = new ArrayList<>();
    /** The pipeline's messages without a taken answer, in the order sent. */
    private final Deque<Flight> flights = new ArrayDeque<>();
    /** A message the pipeline did not send: nothing goes after it until its answer is taken. */
    private Flight stalled;

    Outbox(Transport transport, ScheduledExecutorService thread, Spool spool, Listener listener, Runnable lost) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.thread = Objects.requireNonNull(thread, "thread");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.connectionLost = Objects.requireNonNull(lost, "lost");
    }

    /** Takes back what an earlier run left in the spool: queued messages go out again with their ids. */
    synchronized void restore(List<Spool.Entry> entries) {
        for (Spool.Entry e : entries) {
            Pending p = e.pending();
            if (e.held() && p.to().hasUser()) {
                held.computeIfAbsent(p.to().getUser(), k -> new ArrayList<>()).add(p);
            } else {
                queue.add(p);
            }
        }
    }

    /**
     * Writes the message to the spool, then queues it.
     *
     * @throws UncheckedIOException if the spool cannot keep it: then it is not queued either
     */
    void submit(Pending message) {
        spool.save(message, false);
        boolean kept;
        String because;
        synchronized (this) {
            Deque<Pending> parked = waiting.get(message.to());
            kept = parked != null && holds.get(message.to()) == Hold.NO_CHAT;
            because = noChatBecause.get(message.to());
            if (parked != null) {
                parked.add(message);
            } else {
                queue.add(message);
            }
        }
        listener.state(message, kept ? SendState.KEPT : SendState.QUEUED);
        if (kept) {
            String peer = message.to().getUser();
            listener.notice("Message to " + peer + " kept (" + because + "): /chat " + peer
                    + " asks again, /discard drops it.");
        }
        thread.execute(this::pump);
    }

    /** A delivery receipt: sent after every queued message, dropped rather than retried if refused. */
    void submitReceipt(Pending receipt) {
        synchronized (this) {
            receipts.add(receipt);
        }
        thread.execute(this::pump);
    }

    /** Connection is back, or keys may now be known: try again. */
    void resume() {
        synchronized (this) {
            waitingForConnection = false;
            for (ChatRef chat : List.copyOf(holds.keySet())) {
                if (holds.get(chat) == Hold.KEYS) {
                    release(chat);
                }
            }
        }
        thread.execute(this::pump);
    }

    /** Pauses sending until {@link #resume}: nothing can be sent before the first connect. */
    synchronized void pauseUntilConnected() {
        waitingForConnection = true;
    }

    /** The user opened (asked for, or accepted) the chat again: its kept messages go out. */
    void reopened(ChatRef chat) {
        synchronized (this) {
            if (chat.hasUser()) {
                declined.remove(chat.getUser());
            }
            release(chat);
        }
        thread.execute(this::pump);
    }

    /** The peer accepted: what the server held for them is delivered, so the spool forgets it. */
    void accepted(String peer) {
        List<Pending> released;
        synchronized (this) {
            released = held.remove(peer);
        }
        if (released != null) {
            released.forEach(p -> spool.remove(p.messageId()));
        }
        reopened(toUser(peer));
    }

    /**
     * The peer declined: messages still queued for them are kept (they would be refused), and so are the ones the
     * server held, which the decline dropped there ({@code droppedIds}): those are kept under new ids, because the
     * server remembers the old ones as stored and would answer a resend as a duplicate. Returns how many messages
     * to the peer are kept in all.
     */
    int declined(String peer, Collection<String> droppedIds) {
        ChatRef chat = toUser(peer);
        List<Pending> kept = new ArrayList<>();
        List<Pending> renamed = new ArrayList<>();
        int count;
        synchronized (this) {
            List<Pending> wasHeld = held.getOrDefault(peer, List.of());
            for (Iterator<Pending> it = wasHeld.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (droppedIds.contains(p.messageId())) {
                    it.remove();
                    renamed.add(p);
                }
            }
            declined.add(peer);
            Deque<Pending> parked = waiting.computeIfAbsent(chat, c -> new ArrayDeque<>());
            if (holds.get(chat) != Hold.NO_CHAT) {
                kept.addAll(parked);
            }
            for (int i = renamed.size() - 1; i >= 0; i--) { // before anything parked: they were sent first
                Pending old = renamed.get(i);
                Pending again = new Pending(UUID.randomUUID().toString(), old.to(), old.text(), old.queuedAtMillis());
                parked.addFirst(again);
                kept.add(again);
                renamed.set(i, again);
            }
            holds.put(chat, Hold.NO_CHAT);
            noChatBecause.put(chat, peer + " declined");
            // The messages being sent right now stay queued: their answers decide where they go.
            Iterator<Pending> it = queue.iterator();
            while (it.hasNext()) {
                Pending p = it.next();
                if (p.to().equals(chat) && !inFlight.contains(p)) {
                    it.remove();
                    parked.add(p);
                    kept.add(p);
                }
            }
            count = parked.size() + held.getOrDefault(peer, List.of()).size();
        }
        for (Pending p : renamed) {
            try {
                spool.save(p, false);
            } catch (UncheckedIOException e) {
                listener.notice(e.getMessage());
            }
        }
        droppedIds.forEach(spool::remove);
        kept.forEach(p -> listener.state(p, SendState.KEPT));
        return count;
    }

    /** Drops the kept messages of a chat (and forgets the ones the server holds); returns how many. */
    int discard(ChatRef chat) {
        List<Pending> dropped = new ArrayList<>();
        synchronized (this) {
            Deque<Pending> parked = waiting.remove(chat);
            holds.remove(chat);
            noChatBecause.remove(chat);
            if (parked != null) {
                dropped.addAll(parked);
            }
            if (chat.hasUser()) {
                declined.remove(chat.getUser());
                dropped.addAll(held.getOrDefault(chat.getUser(), List.of()));
                held.remove(chat.getUser());
            }
        }
        dropped.forEach(p -> spool.remove(p.messageId()));
        try {
            spool.sync(); // a discarded message must not come back after a crash
        } catch (UncheckedIOException e) {
            listener.notice(e.getMessage());
        }
        dropped.forEach(p -> listener.state(p, SendState.FAILED));
        return dropped.size();
    }

    /** Peers who declined while messages to them were kept, with how many are kept for each. */
    synchronized Map<String, Integer> kept() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String peer : declined) {
            int n = waiting.getOrDefault(toUser(peer), new ArrayDeque<>()).size()
                    + held.getOrDefault(peer, List.of()).size();
            if (n > 0) {
                out.put(peer, n);
            }
        }
        return out;
    }

    /** Messages the server has not stored yet, per chat, in the order the chats were first written to. */
    synchronized Map<ChatRef, Integer> unsent() {
        Map<ChatRef, Integer> out = new LinkedHashMap<>();
        queue.forEach(p -> out.merge(p.to(), 1, Integer::sum));
        waiting.forEach((chat, parked) -> {
            if (!parked.isEmpty()) {
                out.merge(chat, parked.size(), Integer::sum);
            }
        });
        return out;
    }

    synchronized int size() {
        return unsent().values().stream().mapToInt(Integer::intValue).sum();
    }

    /** True while messages are being sent without anyone's help: connected and not paused by the rate limit. */
    synchronized boolean isMoving() {
        return !queue.isEmpty() && !waitingForConnection && pausedUntilNanos - System.nanoTime() <= 0;
    }

    /**
     * Runs once nothing is queued or being sent (what waits for a key or a chat may still be there). Used by /quit
     * and the end of piped input.
     */
    void whenDrained(Runnable action) {
        synchronized (this) {
            if (!queue.isEmpty() || sending) {
                whenSettled.add(action);
                return;
            }
        }
        action.run();
    }

    private void release(ChatRef chat) {
        Deque<Pending> parked = waiting.remove(chat);
        holds.remove(chat);
        noChatBecause.remove(chat);
        if (parked != null) {
            queue.addAll(parked);
        }
    }

    private static ChatRef toUser(String peer) {
        return ChatRef.newBuilder().setUser(peer).build();
    }

    /**
     * Sends rounds of up to {@link Transport#window} messages from the head of the queue (receipts once it is
     * empty), and takes their answers in order, each as if the messages had gone one at a time. A refusal that asks
     * for a retry ends the round there: that message and everything after it go again, in order, with their ids.
     */
    private void pump() {
        Pipeline pipeline = transport.pipeline();
        if (pipeline != null) {
            pumpPipeline(pipeline);
            return;
        }
        pumpRounds();
    }

    /**
     * Keeps the pipeline full: the first queued message not yet in flight goes as soon as there is room (receipts once
     * no queued message waits), and answers are taken strictly in the order sent, each as if the messages had gone
     * one at a time. A refusal that asks for a retry (or a lost connection) drops the answers still to come: that
     * message and everything after it go again, in order, with their ids.
     */
    private void pumpPipeline(Pipeline pipeline) {
        try {
            fillPipeline(pipeline);
        } finally {
            pipeline.flush();
        }
    }

    private void fillPipeline(Pipeline pipeline) {
        int handed = 0;
        while (true) {
            Flight next;
            List<Runnable> settled = List.of();
            synchronized (this) {
                if (waitingForConnection || stalled != null) {
                    return;
                }
                long wait = pausedUntilNanos - System.nanoTime();
                if (wait > 0) {
                    var unused = thread.schedule(this::pump, wait, TimeUnit.NANOSECONDS);
                    return;
                }
                Pending message = firstNotInFlight(queue);
                boolean receipt = message == null;
                if (receipt && flights.stream().noneMatch(f -> !f.receipt)) {
                    settled = List.copyOf(whenSettled);
                    whenSettled.clear();
                }
                if (receipt) {
                    message = firstNotInFlight(receipts);
                }
                next = message == null || !pipeline.hasRoom() ? null : new Flight(message, receipt);
                if (next != null) {
                    flights.add(next);
                    inFlight.add(message);
                }
                sending = !flights.isEmpty();
            }
            settled.forEach(Runnable::run);
            if (next == null) {
                return;
            }
            Flight sent = next;
            java.util.function.Consumer<Answer> answer = a -> later(() -> answered(pipeline, sent, a));
            if ((!next.receipt && !onDisk(answer)) || !pipeline.send(next.message, answer)) {
                synchronized (this) {
                    if (flights.contains(sent) && sent.answer == null) {
                        stalled = sent;
                    }
                }
                return;
            }
            if (++handed % FLUSH_EVERY == 0) {
                pipeline.flush(); // the first messages of a long queue need not wait for the whole window
            }
        }
    }

    /** Runs on the outbox's thread; an answer that comes after the client closed is dropped with the thread. */
    private void later(Runnable work) {
        try {
            thread.execute(work);
        } catch (RejectedExecutionException e) {
            // Closed: what is unanswered stays in the spool and goes again next time.
        }
    }

    private Pending firstNotInFlight(Deque<Pending> line) {
        for (Pending p : line) {
            if (!inFlight.contains(p)) {
                return p;
            }
        }
        return null;
    }

    /** Takes the answers that are next in order, on the outbox's thread; then sends what now has room. */
    private void answered(Pipeline pipeline, Flight flight, Answer answer) {
        while (true) {
            Flight head;
            synchronized (this) {
                if (!flights.contains(flight)) {
                    // Abandoned: it goes again. Its answer may have freed room in the pipeline, unless sending waits.
                    if (waitingForConnection || pausedUntilNanos - System.nanoTime() > 0) {
                        return;
                    }
                    break;
                }
                flight.answer = answer;
                head = flights.peek();
                if (head.answer == null) {
                    return; // an earlier message is still unanswered
                }
                flights.poll();
                inFlight.remove(head.message);
                if (stalled == head) {
                    stalled = null;
                }
                sending = !flights.isEmpty();
            }
            boolean goOn = take(head.message, head.receipt, head.answer);
            if (!goOn) {
                synchronized (this) {
                    flights.clear();
                    inFlight.clear();
                    stalled = null;
                    sending = false;
                }
                pipeline.abandon();
                if (head.answer.failure() instanceof SendAgain) {
                    break;
                }
                return; // the retry is arranged: after the pause, or once the connection is back
            }
            synchronized (this) {
                Flight now = flights.peek();
                if (now == null || now.answer == null) {
                    break;
                }
                flight = now;
                answer = now.answer;
            }
        }
        pump();
    }

    private void pumpRounds() {
        while (true) {
            List<Pending> round;
            boolean receipt;
            List<Runnable> settled = List.of();
            synchronized (this) {
                sending = false;
                inFlight.clear();
                if (waitingForConnection) {
                    return;
                }
                long wait = pausedUntilNanos - System.nanoTime();
                if (wait > 0) {
                    // Woken early (or by a new message): come back when the pause is over, so it always ends.
                    var unused = thread.schedule(this::pump, wait, TimeUnit.NANOSECONDS);
                    return;
                }
                int window = Math.max(1, transport.window());
                receipt = queue.isEmpty();
                round = (receipt ? receipts : queue).stream().limit(window).toList();
                if (receipt && whenSettled.size() > 0) {
                    settled = List.copyOf(whenSettled);
                    whenSettled.clear();
                }
                sending = !round.isEmpty();
                inFlight.addAll(round);
            }
            settled.forEach(Runnable::run);
            if (round.isEmpty()) {
                return;
            }
            List<Answer> answers = new ArrayList<>();
            if (receipt || onDisk(answers::add)) {
                answers = transport.sendAll(round);
            }
            for (int i = 0; i < answers.size(); i++) {
                if (!take(round.get(i), receipt, answers.get(i))) {
                    synchronized (this) {
                        sending = false;
                        inFlight.clear();
                    }
                    return;
                }
            }
        }
    }

    /**
     * Syncs the spool before a message leaves, so that nothing is sent that is not on disk; the messages saved since
     * the last sync share this one. False if it failed: that failure is the message's answer.
     */
    private boolean onDisk(java.util.function.Consumer<Answer> answer) {
        try {
            spool.sync();
            return true;
        } catch (UncheckedIOException e) {
            answer.accept(Answer.failed(e));
            return false;
        }
    }

    /** Acts on one answer; false if sending stops until a retry that is already arranged. */
    private boolean take(Pending next, boolean receipt, Answer answer) {
        if (answer.ack() != null) {
            sent(next, receipt, answer.ack());
            return true;
        }
        if (!receipt && !isQueued(next)) {
            return true; // parked while in flight (its chat was declined, or refused before it): stays kept
        }
        Exception failure = answer.failure();
        if (failure instanceof SendAgain again) {
            try {
                again.first.run();
            } catch (RuntimeException e) {
                return take(next, receipt, Answer.failed(e));
            }
            return false;
        }
        if (failure instanceof NotReady e) {
            if (receipt) {
                dropReceipt(next);
            } else {
                park(next.to(), Hold.KEYS);
                listener.notice(e.getMessage());
            }
        } else if (failure instanceof StatusRuntimeException e) {
            if (retryLater(e)) {
                return false;
            }
            if (receipt) {
                dropReceipt(next);
            } else if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                    && next.to().hasUser()) {
                // No chat (the peer declined, or never was asked): keep it until the user decides.
                park(next.to(), Hold.NO_CHAT);
                synchronized (this) {
                    noChatBecause.putIfAbsent(next.to(), describe(e));
                }
                String peer = next.to().getUser();
                listener.notice("Message to " + peer + " kept (" + describe(e) + "): /chat " + peer
                        + " asks again, /discard drops it.");
            } else {
                refused(next, describe(e));
            }
        } else if (receipt) {
            // Sealing or the spool failed in a way no retry fixes: report it rather than block the queue.
            dropReceipt(next);
        } else {
            refused(next, String.valueOf(failure.getMessage()));
        }
        return true;
    }

    private synchronized boolean isQueued(Pending p) {
        return queue.contains(p);
    }

    private void sent(Pending p, boolean receipt, SendAck ack) {
        synchronized (this) {
            (receipt ? receipts : queue).remove(p);
            waiting.values().forEach(parked -> parked.remove(p)); // stored while its chat was parked
            pauseAnnounced = false;
        }
        if (receipt) {
            return;
        }
        if (ack.getHeld() && p.to().hasUser()) {
            synchronized (this) {
                held.computeIfAbsent(p.to().getUser(), k -> new ArrayList<>()).add(p);
            }
            try {
                spool.save(p, true);
            } catch (UncheckedIOException e) {
                listener.notice(e.getMessage());
            }
            listener.state(p, SendState.HELD);
        } else {
            spool.remove(p.messageId());
            listener.state(p, SendState.STORED);
        }
    }

    private void refused(Pending p, String why) {
        synchronized (this) {
            queue.remove(p);
            pauseAnnounced = false;
        }
        spool.remove(p.messageId());
        listener.notice("Message not sent: " + why);
        listener.state(p, SendState.FAILED);
    }

    private synchronized void dropReceipt(Pending p) {
        receipts.remove(p);
    }

    /** Moves the chat's queued messages, the failed head first, to its own waiting line. */
    private void park(ChatRef chat, Hold why) {
        List<Pending> moved = new ArrayList<>();
        synchronized (this) {
            Iterator<Pending> it = queue.iterator();
            while (it.hasNext()) {
                Pending p = it.next();
                if (p.to().equals(chat)) {
                    it.remove();
                    moved.add(p);
                }
            }
            // What was still in the queue was typed before anything already waiting (new messages for a waiting
            // chat go straight to its line), so it goes first.
            Deque<Pending> parked = new ArrayDeque<>(moved);
            parked.addAll(waiting.getOrDefault(chat, new ArrayDeque<>()));
            waiting.put(chat, parked);
            holds.put(chat, why);
            if (why == Hold.NO_CHAT && chat.hasUser()) {
                declined.add(chat.getUser());
            }
        }
        if (why == Hold.NO_CHAT) {
            moved.forEach(p -> listener.state(p, SendState.KEPT));
        }
    }

    /** True if the message stays queued and a retry is arranged. */
    /**
     * gRPC reports a connection that closed under a call as UNKNOWN "channel closed" (a ClosedChannelException, when
     * the node was killed): the message may or may not have been stored, and the server drops a resend by its id.
     */
    static boolean connectionClosed(StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNKNOWN) {
            return false;
        }
        for (Throwable t = e.getStatus().getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
        }
        return "channel closed".equals(e.getStatus().getDescription());
    }

    private boolean retryLater(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        Optional<Duration> retryAfter = RetryDelay.of(e);
        if (code == Status.Code.RESOURCE_EXHAUSTED && retryAfter.isPresent()) {
            // Only the rate limit says when to come back; other RESOURCE_EXHAUSTED (a message over the transport's
            // size limit) would fail again the same way, so it is reported instead.
            Duration delay = retryAfter.get();
            boolean announce;
            synchronized (this) {
                pausedUntilNanos = System.nanoTime() + delay.toNanos();
                announce = !pauseAnnounced && !queue.isEmpty();
                pauseAnnounced = true;
            }
            if (announce) {
                long secs = Math.max(1, (delay.toMillis() + 999) / 1000);
                listener.notice(describe(e) + ": message queued, sending in " + secs + "s");
            }
            var unused = thread.schedule(this::pump, delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        }
        if (code == Status.Code.UNAVAILABLE
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED
                || code == Status.Code.UNAUTHENTICATED
                || connectionClosed(e)) {
            synchronized (this) {
                waitingForConnection = true;
            }
            connectionLost.run();
            return true;
        }
        return false;
    }

    static String describe(StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return d != null ? d : e.getStatus().getCode().name();
    }
}
