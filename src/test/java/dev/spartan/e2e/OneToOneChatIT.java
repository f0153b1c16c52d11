package dev.spartan.e2e;

import static dev.spartan.testing.Chats.ENTER_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import org.junit.jupiter.api.Test;

/** The assignment's transcript, through the real jar: one server process and real client processes. */
class OneToOneChatIT extends OneNodeTest {

    @Test
    void transcriptWhenBothAreConnectedFirst() {
        try (ClientProcess bob = client("bob");
                ClientProcess alice = client("alice")) {
            bob.awaitLine("[Spartan] Connected to Spartan Server at port " + server.port() + ".");
            bob.awaitLine("[Spartan] User list: alice,charlie,eve,foo,bar,baz,qux");
            bob.out().awaitRaw(ENTER_USER);

            alice.awaitLine("[Spartan] Connected to Spartan Server at port " + server.port() + ".");
            alice.awaitLine("[Spartan] User list: bob,charlie,eve,foo,bar,baz,qux");
            alice.out().awaitRaw(ENTER_USER);
            alice.type("bob");
            alice.awaitLine("[Spartan] You are now ready to chat with bob.");

            bob.out()
                    .awaitRaw(
                            "[Spartan] alice is requesting to chat with you. Enter 'yes' to accept or different user: ");
            alice.type("Hey Bob!");
            alice.type("café 🎉 naïve");
            alice.type(""); // empty: not sent
            alice.type("third");
            // Held by the server until bob accepts: nothing shows up early.
            assertThat(bob.out().lines()).doesNotContain("[alice] Hey Bob!");

            bob.type("yes");
            int ready = bob.awaitLine("[Spartan] You are now ready to chat with alice.");
            int first = bob.awaitLine("[alice] Hey Bob!");
            int second = bob.awaitLine("[alice] café 🎉 naïve");
            int third = bob.awaitLine("[alice] third");
            assertThat(ready).isLessThan(first);
            assertThat(first).isLessThan(second);
            assertThat(second).isLessThan(third);
            assertThat(bob.out().lines())
                    .filteredOn(l -> l.startsWith("[alice] "))
                    .hasSize(3);
            assertThat(bob.out().lines()).doesNotContain("[Spartan] Recent messages with alice:");

            bob.type("Hi Alice!");
            alice.awaitLine("[bob] Hi Alice!");
            alice.type("/quit");
            assertThat(alice.awaitExit()).isZero();
            assertThat(bob.quit()).isZero();
        }
    }

    @Test
    void userWhoConnectsAfterBeingRequestedGetsTheRequestAndTheHeldMessages() {
        try (ClientProcess alice = client("alice")) {
            alice.out().awaitRaw(ENTER_USER);
            alice.type("bob");
            alice.awaitLine("[Spartan] You are now ready to chat with bob.");
            alice.type("one");
            alice.type("two");
            try (ClientProcess bob = client("bob")) {
                bob.awaitLine("[Spartan] User list: alice,charlie,eve,foo,bar,baz,qux");
                bob.out()
                        .awaitRaw(
                                "[Spartan] alice is requesting to chat with you. Enter 'yes' to accept or different user: ");
                assertThat(bob.out().raw()).doesNotContain(ENTER_USER);
                bob.type("yes");
                bob.awaitLine("[Spartan] You are now ready to chat with alice.");
                int one = bob.awaitLine("[alice] one");
                int two = bob.awaitLine("[alice] two");
                assertThat(one).isLessThan(two);
                alice.awaitLine("[Spartan] bob accepted your chat request.");
                bob.type("back at you");
                alice.awaitLine("[bob] back at you");
                assertThat(bob.out().count("[alice] one")).isEqualTo(1);
            }
        }
    }

    @Test
    void namingAnotherUserDeclinesAndRequestsThatUser() {
        try (ClientProcess bob = client("bob");
                ClientProcess alice = client("alice");
                ClientProcess charlie = client("charlie")) {
            bob.out().awaitRaw(ENTER_USER);
            charlie.out().awaitRaw(ENTER_USER);
            alice.out().awaitRaw(ENTER_USER);
            alice.type("bob");
            bob.out()
                    .awaitRaw(
                            "[Spartan] alice is requesting to chat with you. Enter 'yes' to accept or different user: ");
            bob.type("charlie");
            bob.awaitLine("[Spartan] You are now ready to chat with charlie.");
            alice.awaitLine("[Spartan] bob declined to chat with you.");
            // alice is asked again
            alice.out().awaitPrompt(ENTER_USER);
            charlie.out()
                    .awaitRaw(
                            "[Spartan] bob is requesting to chat with you. Enter 'yes' to accept or different user: ");
            charlie.type("yes");
            charlie.awaitLine("[Spartan] You are now ready to chat with bob.");
            bob.type("hello charlie");
            charlie.awaitLine("[bob] hello charlie");
        }
    }

    @Test
    void badInputGetsAClearAnswerAndTheClientAsksAgain() {
        try (ClientProcess alice = client("alice")) {
            alice.out().awaitRaw(ENTER_USER);
            alice.type("alice");
            alice.awaitLine("[Spartan] you cannot chat with yourself");
            alice.type("zed");
            alice.awaitLine("[Spartan] there is no user 'zed'");
            alice.type("/nonsense");
            alice.awaitLine("[Spartan] Unknown command /nonsense. Type /help for the list.");
            alice.type("/help");
            alice.awaitLine("  /quit                   leave (Ctrl-D too)");
            alice.type("/users");
            alice.awaitLine("[Spartan] Users: bob,charlie,eve,foo,bar,baz,qux");
            alice.type("bob");
            alice.awaitLine("[Spartan] You are now ready to chat with bob.");
            assertThat(alice.out().raw())
                    .containsSubsequence(
                            "you cannot chat with yourself", ENTER_USER, "there is no user 'zed'", ENTER_USER);
        }
    }

    @Test
    void unknownUserCannotLogIn() {
        try (ClientProcess mallory = client("mallory")) {
            mallory.awaitLine(
                    "[Spartan] Login refused: 'mallory' is not a user of this server (see users in config.yaml)");
            assertThat(mallory.awaitExit()).isEqualTo(1);
        }
    }

    @Test
    void serverThatIsNotRunningIsReportedInWords() {
        try (ClientProcess alice = new ClientProcess("alice", dir.resolve("keys"), dev.spartan.testing.Ports.free())) {
            assertThat(alice.awaitExit()).isEqualTo(1);
            assertThat(alice.out().lines())
                    .anyMatch(l -> l.startsWith("[Spartan] Cannot reach Spartan Server at localhost:"));
        }
    }
}
