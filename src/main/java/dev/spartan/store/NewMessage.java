package dev.spartan.store;

import dev.spartan.proto.ChatMessage;
import java.util.List;
import java.util.Objects;

/**
 * A message to save in one atomic step (see {@link MessageStore#save}).
 *
 * @param lockKey     the key compound changes of this conversation lock (a pair, or a group's chat key)
 * @param chatKey     the conversation whose sequence and recent history the message joins
 * @param message     the stamped message, {@code chat_seq} not yet set: the store assigns it
 * @param recipients  whose inbox gets the message when it is delivered (not the sender)
 * @param guard       the state the conversation must be in
 * @param keepHistory how many of its latest messages the conversation keeps
 * @param holdLimit   how much may be held for the pair while the chat is pending
 */
public record NewMessage(
        String lockKey,
        String chatKey,
        ChatMessage message,
        List<String> recipients,
        Guard guard,
        int keepHistory,
        HoldLimit holdLimit) {
    public NewMessage {
        Objects.requireNonNull(lockKey, "lockKey");
        Objects.requireNonNull(chatKey, "chatKey");
        Objects.requireNonNull(message, "message");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(guard, "guard");
        Objects.requireNonNull(holdLimit, "holdLimit");
        if (message.getChatSeq() != 0) {
            throw new IllegalArgumentException("chat_seq is assigned by the store");
        }
        if (keepHistory < 1) {
            throw new IllegalArgumentException("keepHistory must be at least 1");
        }
    }

    /** The key a sender's message id is remembered under, for dropping a resent copy. */
    String sentKey() {
        return message.getSender() + ":" + message.getMessageId(); // neither names nor ids may contain ':'
    }
}
