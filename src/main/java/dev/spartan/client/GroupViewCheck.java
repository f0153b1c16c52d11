package dev.spartan.client;

import dev.spartan.contract.ChatIds;
import dev.spartan.contract.GroupViews;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Group;
import dev.spartan.proto.GroupView;
import dev.spartan.proto.Plaintext;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Compares the group each group message was encrypted for with the group as this client knows it (PROTOCOL.md,
 * "Group views"). A difference means the server showed the two members different groups: the reader is warned, and
 * its client tells the sender's client inside the encryption (a report), so both sides see it.
 */
final class GroupViewCheck {
    /** The plaintext of a report: {@code U+0000 TYPE LF sender LF message_id} of the message whose view differed. */
    static final String REPORT = DeliveryReceipt.CONTROL + "spartan/group-view-report/v1";

    private final String user;
    private final Function<String, Group> joined;
    private final GroupBook book;
    private final Consumer<String> notice;
    private final Consumer<Outbox.Pending> send;
    private final LongSupplier clock;
    // Each difference is told (and reported) once per sender and group, not at every message.
    private final Set<String> told = new HashSet<>();
    // Per sender device and group, the last full member list it sent: a sender-key message without carriers
    // carries only the version and hash of its view (PROTOCOL.md, "Group views").
    private final java.util.Map<String, java.util.List<String>> lastLists = new java.util.HashMap<>();

    /**
     * @param joined the verified group a message to a name is encrypted for, null if this user is not in it
     * @param send   queues a control message (the report) as a receipt is queued
     */
    GroupViewCheck(
            String user,
            Function<String, Group> joined,
            GroupBook book,
            Consumer<String> notice,
            Consumer<Outbox.Pending> send,
            LongSupplier clock) {
        this.user = Objects.requireNonNull(user, "user");
        this.joined = Objects.requireNonNull(joined, "joined");
        this.book = Objects.requireNonNull(book, "book");
        this.notice = Objects.requireNonNull(notice, "notice");
        this.send = Objects.requireNonNull(send, "send");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The view a message to this verified group carries. */
    static GroupView of(Group verified) {
        return GroupViews.of(verified.getName(), verified.getChainCount(), verified.getMembersList());
    }

    /**
     * Checks a decrypted group message; false if it must not be shown (this user left the group, so its sender's
     * client has not seen the leave).
     */
    synchronized boolean admit(ChatMessage m, Plaintext content) {
        String group = m.getChat().getGroup();
        String sender = m.getSender();
        Group mine = joined.apply(group);
        if (mine == null) {
            if (book.hasLeft(group)) {
                notice.accept("WARNING: " + sender + "'s client sent you a message in " + group + ", which you left:"
                        + " it has not seen your leave (the server has not passed it on). The message was not shown.");
                return false;
            }
            return true;
        }
        if (!content.hasGroupView()) {
            return true; // a client from before group views: nothing to compare
        }
        GroupView theirs = completed(m, content.getGroupView());
        GroupView view = of(mine);
        boolean same = theirs.getMembersCount() == 0
                ? theirs.getMembersHash().equals(view.getMembersHash())
                : GroupViews.wellFormed(group, theirs)
                        && theirs.getMembersHash().equals(view.getMembersHash());
        Optional<String> about = reportAbout(content.getText());
        if (about.isPresent()) {
            if (!same && about.get().equals(user) && once(group, sender, "report")) {
                notice.accept("WARNING: " + sender + "'s client says your " + group
                        + " message went to different members than it knows" + difference(view, theirs) + ".");
            }
            return true;
        }
        if (same) {
            if (book.unverified(group)) {
                book.confirmed(group);
                notice.accept("[" + group + "] " + sender + "'s client knows the same members ("
                        + String.join(",", view.getMembersList()) + "): verified.");
            }
            return true;
        }
        String difference = difference(theirs, view);
        if (once(group, sender, difference)) {
            notice.accept("WARNING: " + sender + "'s client sent this " + group
                    + " message to different members than you know" + difference);
            send.accept(new Outbox.Pending(
                    UUID.randomUUID().toString(),
                    ChatIds.toGroup(group),
                    REPORT + "\n" + sender + "\n" + m.getMessageId(),
                    clock.getAsLong()));
        }
        return true;
    }

    /**
     * {@code view} with the member list its sender last gave this reader when it carries only its hash and that list
     * has this hash; otherwise as it came (a full list is remembered).
     */
    private GroupView completed(ChatMessage m, GroupView view) {
        String group = m.getChat().getGroup();
        String key = m.getSender() + "#" + m.getSenderDevice() + "\n" + group;
        if (view.getMembersCount() > 0) {
            lastLists.put(key, java.util.List.copyOf(view.getMembersList()));
            return view;
        }
        java.util.List<String> last = lastLists.get(key);
        if (last != null && GroupViews.hash(group, view.getVersion(), last).equals(view.getMembersHash())) {
            return view.toBuilder().addAllMembers(last).build();
        }
        return view;
    }

    /** " (+x,-y)" between two views; for a view known only by its hash, its version if that differs, or nothing. */
    private static String difference(GroupView theirs, GroupView mine) {
        if (theirs.getMembersCount() == 0 || mine.getMembersCount() == 0) {
            return theirs.getVersion() != mine.getVersion()
                    ? " (version " + theirs.getVersion() + ", yours " + mine.getVersion() + ")"
                    : "";
        }
        return " (" + GroupViews.difference(theirs, mine) + ")";
    }

    private boolean once(String group, String sender, String what) {
        return told.add(group + "\n" + sender + "\n" + what);
    }

    /** The sender a report is about; empty if the text is not a report. */
    static Optional<String> reportAbout(String text) {
        if (!text.startsWith(REPORT + "\n")) {
            return Optional.empty();
        }
        String[] parts = text.substring(REPORT.length() + 1).split("\n", -1);
        return parts.length == 2 ? Optional.of(parts[0]) : Optional.empty();
    }
}
