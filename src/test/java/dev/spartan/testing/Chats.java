package dev.spartan.testing;

import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;

/** Steps of the assignment's transcript that many end-to-end tests go through. */
public final class Chats {
    public static final String ENTER_USER = "[Spartan] Enter a user whom you want to chat with: ";

    private Chats() {}

    public static String requestPrompt(String requester) {
        return "[Spartan] " + requester + " is requesting to chat with you. Enter 'yes' to accept or different user: ";
    }

    /** The requester asks, the other accepts with "yes"; returns once both are chatting and the requester knows. */
    public static void open(ClientProcess requester, ClientProcess accepter) {
        requester.out().awaitRaw(ENTER_USER);
        accepter.out().awaitRaw(ENTER_USER);
        requester.type(accepter.user());
        requester.awaitLine("[Spartan] You are now ready to chat with " + accepter.user() + ".");
        accepter.out().awaitRaw(requestPrompt(requester.user()));
        accepter.type("yes");
        accepter.awaitLine("[Spartan] You are now ready to chat with " + requester.user() + ".");
        requester.awaitLine("[Spartan] " + accepter.user() + " accepted your chat request.");
    }

    /** Over the wire: {@code requester} asks for a chat and {@code accepter} accepts it. */
    public static void open(WireSession requester, WireSession accepter) {
        requester
                .stub()
                .requestChat(ChatRequest.newBuilder().setPeer(accepter.user()).build());
        accepter.stub()
                .answerChat(ChatAnswer.newBuilder()
                        .setPeer(requester.user())
                        .setAccept(true)
                        .build());
    }

    /** A session on the wire asks {@code accepter}, a real client at its first prompt, which accepts with "yes". */
    public static void open(WireSession requester, ClientProcess accepter) {
        accepter.out().awaitRaw(ENTER_USER);
        requester
                .stub()
                .requestChat(ChatRequest.newBuilder().setPeer(accepter.user()).build());
        accepter.out().awaitRaw(requestPrompt(requester.user()));
        accepter.type("yes");
        accepter.awaitLine("[Spartan] You are now ready to chat with " + requester.user() + ".");
    }
}
