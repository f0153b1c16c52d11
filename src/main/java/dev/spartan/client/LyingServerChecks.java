package dev.spartan.client;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Group;
import dev.spartan.proto.Plaintext;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The checks inside the encryption that catch a server showing two users different things: each plaintext carries
 * the group it was encrypted for ({@link GroupViewCheck}) and the newest key log head its sender verified
 * ({@link KeyLogBook}), and each one opened is compared with this client's own.
 */
final class LyingServerChecks implements Envelopes.ContentChecks {
    private final GroupViewCheck groups;
    private final KeyLogBook keyLog;
    private final Executor background;

    /** @param background where a head is compared (it may ask the server for a consistency proof) */
    LyingServerChecks(GroupViewCheck groups, KeyLogBook keyLog, Executor background) {
        this.groups = Objects.requireNonNull(groups, "groups");
        this.keyLog = Objects.requireNonNull(keyLog, "keyLog");
        this.background = Objects.requireNonNull(background, "background");
    }

    @Override
    public void stamp(Plaintext.Builder content, Group group) {
        if (group != null) {
            content.setGroupView(GroupViewCheck.of(group)); // the members it is encrypted for, as this client knows
        }
        keyLog.newest().ifPresent(content::setKeyLogHead);
    }

    @Override
    public boolean admit(ChatMessage m, Plaintext content) {
        if (content.hasKeyLogHead()) {
            background.execute(() -> keyLog.gossip(m.getSender(), content.getKeyLogHead()));
        }
        return !m.getChat().hasGroup() || groups.admit(m, content);
    }
}
