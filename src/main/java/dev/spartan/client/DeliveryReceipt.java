package dev.spartan.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The plaintext of a delivery receipt (PROTOCOL.md, Delivery receipts): a sealed 1:1 message whose plaintext is
 * {@code U+0000 "spartan/delivered/v1"} followed by one {@code LF message_id} per message received. A plaintext that
 * starts with U+0000 is never text, so a text message may not start with it.
 */
final class DeliveryReceipt {
    static final char CONTROL = '\u0000';
    static final String TYPE = CONTROL + "spartan/delivered/v1";
    /** Keeps one receipt far below any message size limit: 100 ids of at most 64 characters. */
    static final int MAX_IDS = 100;

    private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private DeliveryReceipt() {}

    /** True for any control message (a receipt, or a type this client does not know): never shown as text. */
    static boolean isControl(String plaintext) {
        return !plaintext.isEmpty() && plaintext.charAt(0) == CONTROL;
    }

    static String encode(List<String> messageIds) {
        if (messageIds.isEmpty() || messageIds.size() > MAX_IDS) {
            throw new IllegalArgumentException("a receipt names 1 to " + MAX_IDS + " messages");
        }
        StringBuilder b = new StringBuilder(TYPE);
        for (String id : messageIds) {
            if (!MESSAGE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("not a message id: " + id);
            }
            b.append('\n').append(id);
        }
        return b.toString();
    }

    /** The message ids of a receipt; empty if the plaintext is not a well-formed receipt. */
    static Optional<List<String>> decode(String plaintext) {
        if (!plaintext.startsWith(TYPE + "\n")) {
            return Optional.empty();
        }
        String[] parts = plaintext.substring(TYPE.length() + 1).split("\n", -1);
        if (parts.length > MAX_IDS) {
            return Optional.empty();
        }
        List<String> ids = new ArrayList<>(parts.length);
        for (String id : parts) {
            if (!MESSAGE_ID.matcher(id).matches()) {
                return Optional.empty();
            }
            ids.add(id);
        }
        return Optional.of(ids);
    }
}
