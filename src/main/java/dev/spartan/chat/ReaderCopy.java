package dev.spartan.chat;

import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Event;
import dev.spartan.proto.Sealed;

/**
 * What a reader is sent of a message: its own ciphertext and the {@code unreadable} list, not the other readers'
 * ciphertexts, which it cannot open. A group message carries one ciphertext per member, so sending it whole to each
 * of N members would cost N times its size to each of them, the square of the group's size on the wire.
 */
public final class ReaderCopy {
    private ReaderCopy() {}

    /** {@code m} as {@code reader} gets it; the same instance if it holds nothing for anyone else. */
    public static ChatMessage of(ChatMessage m, String reader) {
        if (!holdsOthers(m, reader)) {
            return m;
        }
        Sealed sealed = m.getSealed();
        Sealed.Builder mine = sealed.toBuilder().clearCiphertexts();
        Ciphertext own = sealed.getCiphertextsMap().get(reader);
        if (own != null) {
            mine.putCiphertexts(reader, own);
        }
        return m.toBuilder().setSealed(mine).build();
    }

    /** A message event as {@code reader} gets it; any other event as it is. */
    public static Event of(Event e, String reader) {
        if (!e.hasMessage()) {
            return e;
        }
        if (!holdsOthers(e.getMessage(), reader)) {
            return e;
        }
        return e.toBuilder().setMessage(of(e.getMessage(), reader)).build();
    }

    private static boolean holdsOthers(ChatMessage m, String reader) {
        Sealed sealed = m.getSealed();
        return sealed.getCiphertextsCount() > (sealed.containsCiphertexts(reader) ? 1 : 0);
    }
}
