package dev.spartan.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.spartan.contract.Addresses;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SenderKeys;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Plaintext;
import dev.spartan.proto.Sealed;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sender-key form of a group message (PROTOCOL.md, "The envelope", sender-key path): the message encrypted once,
 * the devices that hold the key named, and a key carrier (a small pairwise Plaintext with the
 * SenderKeyDistributionMessage) for each that does not.
 */
final class SenderKeyCarriers {
    private SenderKeyCarriers() {}

    /**
     * What the group's key is made for: the view the message carries and the members that read it. When it changes
     * (a member left, joined, or accepted an invitation), the key rotates.
     */
    static String view(Plaintext.Builder content, Collection<String> readingMembers) {
        return HexFormat.of().formatHex(content.getGroupView().getMembersHash().toByteArray()) + " "
                + String.join(",", new TreeSet<>(readingMembers));
    }

    /** A key carrier's plaintext: the distribution message, under the id and chat of the message it rides in. */
    static byte[] carrier(String messageId, ChatRef chat, byte[] distribution) {
        if (distribution == null) {
            return new byte[0]; // nobody needs the key: no carrier is made
        }
        return Plaintext.newBuilder()
                .setMessageId(messageId)
                .setChat(chat)
                .setSenderKeyDistribution(ByteString.copyFrom(distribution))
                .build()
                .toByteArray();
    }

    /**
     * Completes {@code sealed}, whose carriers are in: names the holders (less members that failed, who read on no
     * device) and encrypts the message once. A message without carriers (but a group view report) carries only the
     * version and hash of its group view; readers compare the hash with the last member list this sender gave them
     * (Group views).
     */
    static void seal(
            Sealed.Builder sealed,
            Plaintext.Builder content,
            GroupSealer.Plan plan,
            Set<String> failed,
            GroupSealer sealer) {
        plan.holders().stream()
                .filter(a -> !failed.contains(Addresses.userOf(a)))
                .forEach(sealed::addKeyHolders);
        boolean report = GroupViewCheck.reportAbout(content.getText()).isPresent(); // names the difference
        if (sealed.getCiphertextsCount() == 0 && content.hasGroupView() && !report) {
            content.getGroupViewBuilder().clearMembers();
        }
        sealed.setSenderKey(
                ByteString.copyFrom(sealer.encrypt(plan, content.build().toByteArray())));
    }

    /**
     * Takes in a carrier's key ({@code plain}, decrypted pairwise from {@code from}); false if the carrier is not for
     * this message (moved by the server).
     */
    static boolean take(ChatMessage m, byte[] plain, String from, SenderKeys keys) throws Ratchet.RatchetException {
        Plaintext carrier;
        try {
            carrier = Plaintext.parseFrom(plain);
        } catch (InvalidProtocolBufferException e) {
            throw new Ratchet.RatchetException(Ratchet.Fault.UNDECRYPTABLE, "unreadable key carrier", e);
        }
        if (!carrier.getMessageId().equals(m.getMessageId())
                || !carrier.getChat().equals(m.getChat())) {
            return false;
        }
        keys.process(
                from, m.getChat().getGroup(), carrier.getSenderKeyDistribution().toByteArray());
        return true;
    }
}
