package dev.spartan.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.proto.Plaintext;
import java.util.Base64;
import java.util.Optional;

/**
 * Message actions inside this client (issue 26): content that is more than text (a reply, an edit, a timer ...)
 * travels between the client's parts as a string, so the outbox and its spool keep it as they keep text. The string
 * is {@link #MARK} and the Base64 of the {@link Plaintext} action fields (10-29); {@link Envelopes} turns it into
 * those fields when it seals and back when it opens. It starts with U+0000, which no typed text may, and is never
 * sent as text.
 */
public final class Contents {
    static final String MARK = DeliveryReceipt.CONTROL + "spartan/content/v1\n";

    private Contents() {}

    static boolean is(String text) {
        return text.startsWith(MARK);
    }

    /** The internal string of {@code content}'s text and action fields. */
    static String encode(Plaintext content) {
        return MARK + Base64.getEncoder().encodeToString(actionPart(content).toByteArray());
    }

    static Optional<Plaintext> decode(String text) {
        if (!is(text)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Plaintext.parseFrom(Base64.getDecoder().decode(text.substring(MARK.length()))));
        } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    /** The Plaintext a queued message's text stands for, before counter, id and chat are set. */
    static Plaintext.Builder plaintext(String text) {
        return decode(text)
                .map(Plaintext::toBuilder)
                .orElseGet(() -> Plaintext.newBuilder().setText(text));
    }

    /** How long after sending the server is to drop the message (0: never). */
    static int expireAfter(String text) {
        return decode(text).map(Plaintext::getExpireAfterSeconds).orElse(0);
    }

    /** What an opened Plaintext is inside the client: its text, or the internal string if it carries an action. */
    static String text(Plaintext opened) {
        return hasAction(opened) ? encode(opened) : opened.getText();
    }

    static boolean hasAction(Plaintext p) {
        return !p.getReplyTo().isEmpty()
                || p.getExpireAfterSeconds() > 0
                || p.getActionCase() != Plaintext.ActionCase.ACTION_NOT_SET;
    }

    private static Plaintext actionPart(Plaintext p) {
        return p.toBuilder().clearCounter().clearMessageId().clearChat().build();
    }
}
