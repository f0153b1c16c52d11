package dev.spartan.attachments;

import dev.spartan.chat.Directory;
import dev.spartan.chat.Refusal;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Invitation;
import dev.spartan.store.MessageStore;
import dev.spartan.store.PairState;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Who may read a file sent to a chat: the peer of an open 1:1 chat, or a group's joined members but the sender. */
public final class ChatReaders {
    private final Directory directory;
    private final MessageStore store;

    public ChatReaders(Directory directory, MessageStore store) {
        this.directory = directory;
        this.store = store;
    }

    /** The readers of a file {@code me} sends to {@code chat}, refused as sending a message there would be. */
    public List<String> of(String me, ChatRef chat) {
        if (chat.hasGroup()) {
            String name = chat.getGroup();
            Directory.GroupChat g =
                    directory.groupChat(name).orElseThrow(() -> Refusal.notFound("there is no group '" + name + "'"));
            Set<String> invited =
                    g.group().getInvitedList().stream().map(Invitation::getUser).collect(Collectors.toSet());
            if (!g.group().getMembersList().contains(me) || invited.contains(me)) {
                throw Refusal.denied("you are not a member of " + name);
            }
            return g.group().getMembersList().stream()
                    .filter(m -> !m.equals(me) && !invited.contains(m))
                    .toList();
        }
        String peer = chat.getUser();
        if (peer.isEmpty() || peer.equals(me)) {
            throw Refusal.invalid("name the chat the file is for: a user other than you, or a group");
        }
        if (!directory.isUser(peer)) {
            throw Refusal.notFound("there is no user '" + peer + "'");
        }
        PairState state = store.pairState(PairState.pairKey(me, peer));
        if (state.status() != PairState.Status.ACCEPTED && !state.isPendingFrom(me)) {
            throw Refusal.precondition("you have no chat with " + peer + ": request one first");
        }
        return List.of(peer);
    }
}
