package dev.spartan.client;

import dev.spartan.proto.ChatRef;

/**
 * A decrypted message as the user sees it.
 *
 * @param peerOrGroup the conversation from the reader's side: the other user for 1:1, the group name for groups
 */
public record Incoming(
        String messageId,
        String sender,
        ChatRef chat,
        String peerOrGroup,
        String text,
        long chatSeq,
        long sentAtMillis) {
    public boolean isGroup() {
        return chat.hasGroup();
    }
}
