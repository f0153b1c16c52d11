package dev.spartan.chat;

import dev.spartan.contract.Addresses;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Sealed;
import dev.spartan.proto.SendRequest;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The server's rules for a group message sent with sender keys (PROTOCOL.md, "Groups" and "The envelope"): one
 * SenderKeyMessage for every reader, bounded by {@code max_message_bytes}; a key carrier (at most
 * {@link #CARRIER_MAX_BYTES}) for each reader device that does not hold the sender's key; the others named in
 * {@code key_holders}, which is checked and never stored.
 */
public final class SenderKeyMessages {
    /** The largest key carrier: a PreKeySignalMessage with Kyber carrying a SenderKeyDistributionMessage fits. */
    public static final int CARRIER_MAX_BYTES = 2048;

    private SenderKeyMessages() {}

    public static boolean isSenderKey(Sealed sealed) {
        return !sealed.getSenderKey().isEmpty();
    }

    /**
     * Refuses what no reader set can make right: sender-key fields on a 1:1 message, key holders without a
     * sender-key message, a carrier over its bound, a sender-key message over {@code maxMessageBytes}. A sender-key
     * message's size is its one ciphertext; a pairwise one's, every reader's ciphertext (all of it is stored).
     */
    static void validate(SendRequest request, int maxMessageBytes) {
        Sealed sealed = request.getSealed();
        if (!isSenderKey(sealed)) {
            if (sealed.getKeyHoldersCount() > 0) {
                throw Refusal.invalid("key_holders is set but sender_key is not: name key holders only in a"
                        + " sender-key group message");
            }
            int size = sealed.getSerializedSize();
            if (size > maxMessageBytes) {
                throw Refusal.invalid(
                        "the message is " + size + " bytes encrypted; the limit is " + maxMessageBytes + " bytes");
            }
            return;
        }
        if (!request.getTo().hasGroup()) {
            throw Refusal.invalid("sender_key is set on a 1:1 message: sender keys are for group messages only;"
                    + " send a 1:1 message pairwise (one ciphertext per device)");
        }
        int size = sealed.getSenderKey().size();
        if (size > maxMessageBytes) {
            throw Refusal.invalid("the message is " + size + " bytes encrypted (its sender_key); the limit is "
                    + maxMessageBytes + " bytes");
        }
        for (Map.Entry<String, Ciphertext> c : sealed.getCiphertextsMap().entrySet()) {
            int carrier = c.getValue().getBody().size();
            if (carrier > CARRIER_MAX_BYTES) {
                throw Refusal.invalid("the key carrier for " + c.getKey() + " is " + carrier + " bytes; a carrier"
                        + " (the pairwise ciphertext of a sender-key message) is at most " + CARRIER_MAX_BYTES
                        + " bytes");
            }
        }
    }

    /**
     * The reader devices a message accounts for: its ciphertexts' and, in a sender-key message, its key holders.
     * Naming a device twice is refused.
     */
    static Set<String> addressed(Sealed sealed) {
        Set<String> given = new HashSet<>(sealed.getCiphertextsMap().keySet());
        for (String holder : sealed.getKeyHoldersList()) {
            if (!given.add(holder)) {
                throw Refusal.invalid("the message names " + holder + " twice (in ciphertexts and key_holders, or"
                        + " twice in key_holders): name each reader device once");
            }
        }
        return given;
    }

    /** The message as stored: key holders are only checked. */
    static Sealed stored(Sealed sealed) {
        return sealed.getKeyHoldersCount() == 0
                ? sealed
                : sealed.toBuilder().clearKeyHolders().build();
    }

    /** True if {@code reader} (a device address) was a reader of stored message {@code m}. */
    static boolean readBy(ChatMessage m, String reader) {
        Sealed sealed = m.getSealed();
        return sealed.containsCiphertexts(reader)
                || (isSenderKey(sealed) && !sealed.getUnreadableList().contains(Addresses.userOf(reader)));
    }

    /**
     * The largest request the server may have to take in: a message of {@code maxMessageBytes} (twice, for a
     * pairwise one's framing) plus a carrier for each device of the largest group.
     */
    public static int inboundBytes(int maxMessageBytes, int largestGroup, int devicesPerUser) {
        long carriers = (long) largestGroup * devicesPerUser * (CARRIER_MAX_BYTES + 64);
        return (int) Math.min(Integer.MAX_VALUE, maxMessageBytes * 2L + 64 * 1024 + carriers);
    }
}
