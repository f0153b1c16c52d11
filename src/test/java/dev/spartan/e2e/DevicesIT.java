package dev.spartan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spartan.crypto.LinkCode;
import dev.spartan.testing.Chats;
import dev.spartan.testing.ClientProcess;
import dev.spartan.testing.OneNodeTest;
import dev.spartan.testing.OutputLines;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.ecc.ECKeyPair;

/**
 * Linked devices (issue 24) with real client processes against a node on the embedded store: alice on two machines
 * and bob. A second key directory of alice's is her second machine.
 */
class DevicesIT extends OneNodeTest {
    private static final Pattern CODE =
            Pattern.compile("\\[Spartan\\] On a device where alice is signed in, type: /link (\\S+)");
    private static final Pattern SAFETY =
            Pattern.compile("\\[Spartan\\] Safety number with alice: ((?:\\d{5} ){11}\\d{5}) \\(compare .*\\)");

    private Path laptopKeys() {
        return dir.resolve("laptop-keys");
    }

    /** The line the pattern matches, once it is there; its first group. */
    private static String matched(OutputLines out, Pattern pattern) {
        String[] found = new String[1];
        await().atMost(OutputLines.PATIENCE).until(() -> {
            Optional<Matcher> m = out.lines().stream()
                    .map(pattern::matcher)
                    .filter(Matcher::matches)
                    .findFirst();
            m.ifPresent(x -> found[0] = x.group(1));
            return m.isPresent();
        });
        return found[0];
    }

    /** Starts alice's second machine with --link; returns it and the code it printed. */
    private ClientProcess newDevice(String name) {
        return new ClientProcess("alice", laptopKeys(), port(), "--link", "--device-name", name);
    }

    /** Links a new machine of alice's from her first one, which is signed in. */
    private ClientProcess linkLaptop(ClientProcess alice) {
        ClientProcess laptop = newDevice("laptop");
        String code = matched(laptop.out(), CODE);
        alice.type("/link " + code);
        alice.awaitLine("[Spartan] Link a new device to alice? It will read and send as you. (yes/no)");
        alice.type("yes");
        alice.awaitLine("[Spartan] Linked 'laptop' as device 2 of alice.");
        laptop.awaitLine("[Spartan] Linked: this is device 2 of alice.");
        laptop.awaitLine("[Spartan] Connected to Spartan Server at port " + port() + ".");
        return laptop;
    }

    @Test
    void bothDevicesReadAndSendAsAliceAndBobsSafetyNumberStaysTheSame() {
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob")) {
            Chats.open(alice, bob);
            alice.type("before the link");
            bob.awaitLine("[alice] before the link");
            bob.type("bob before the link");
            alice.awaitLine("[bob] bob before the link");
            bob.type("/verify alice");
            String before = matched(bob.out(), SAFETY);

            try (ClientProcess laptop = linkLaptop(alice)) {
                bob.awaitLine("[Spartan] alice linked a new device.");

                // bob's message reaches both of alice's devices
                bob.type("hello both");
                alice.awaitLine("[bob] hello both");
                laptop.awaitLine("[bob] hello both");

                // what alice sends from one device shows on the other, as hers
                laptop.type("bob");
                laptop.awaitLine("[Spartan] You are now ready to chat with bob.");
                laptop.type("from the laptop");
                bob.awaitLine("[alice] from the laptop");
                alice.awaitLine("[alice] from the laptop");
                alice.type("from the desk");
                bob.awaitLine("[alice] from the desk");
                laptop.awaitLine("[alice] from the desk");

                // the laptop's history has what the first device had before the link
                laptop.type("/history");
                laptop.awaitLine("[alice] before the link");
                laptop.awaitLine("[bob] bob before the link");

                // group1 with a two-device member, both ways
                alice.type("/group group1");
                bob.type("/group group1");
                laptop.type("/group group1");
                laptop.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
                bob.awaitLine("[Spartan] You are now ready to chat in group1 (alice,bob,charlie,eve).");
                bob.type("group hello");
                alice.awaitLine("[group1] [bob] group hello");
                laptop.awaitLine("[group1] [bob] group hello");
                laptop.type("group from the laptop");
                bob.awaitLine("[group1] [alice] group from the laptop");
                alice.awaitLine("[group1] [alice] group from the laptop");

                // safety numbers do not change with a link: the identity key is the account's
                bob.type("/verify alice");
                await().atMost(OutputLines.PATIENCE)
                        .until(() -> bob.out().lines().stream()
                                        .filter(l -> SAFETY.matcher(l).matches())
                                        .count()
                                == 2);
                assertThat(bob.out().lines().stream()
                                .map(SAFETY::matcher)
                                .filter(Matcher::matches)
                                .map(m -> m.group(1)))
                        .containsOnly(before);
                assertThat(bob.out().count("[Spartan] alice linked a new device."))
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void aKilledDeviceGetsWhatItMissedOnceAndAnUnlinkedOneIsShutOut() {
        try (ClientProcess alice = client("alice");
                ClientProcess bob = client("bob")) {
            Chats.open(alice, bob);

            // codes that create nothing: a typo, and a key the server swapped (the code names another key)
            alice.type("/link 0000-0000-0000-0000-0000-0000-0000-0000");
            alice.awaitLine("[Spartan] Nothing was linked: that link code has a typo: compare it with the new"
                    + " device's screen.");
            try (ClientProcess declined = newDevice("spare")) {
                String code = matched(declined.out(), CODE);
                LinkCode swapped = LinkCode.create(
                        LinkCode.parse(code).slot(), ECKeyPair.generate().getPublicKey());
                alice.type("/link " + swapped);
                alice.awaitLine("[Spartan] Nothing was linked: the server relayed another key than the new device's,"
                        + " so the link is refused (someone between the devices may be trying to take it over).");
                alice.type("/link " + code);
                alice.awaitLine("[Spartan] Link a new device to alice? It will read and send as you. (yes/no)");
                alice.type("no");
                alice.awaitLine("[Spartan] Declined: nothing was linked.");
                declined.awaitLine("[Spartan] Nothing was linked: the link was declined on a device where alice is"
                        + " signed in.");
                assertThat(declined.awaitExit()).isEqualTo(1);
                alice.type("/link " + code);
                alice.awaitLine("[Spartan] Nothing was linked: no new device waits under that code: it expired after"
                        + " 10 minutes, was answered already, or is for another account.");
            }

            ClientProcess laptop = linkLaptop(alice);
            laptop.kill(); // kill -9 mid-conversation
            bob.type("while away 1");
            bob.type("while away 2");
            alice.awaitLine("[bob] while away 2");
            try (ClientProcess back = new ClientProcess("alice", laptopKeys(), port())) {
                back.awaitLine("[bob] while away 2");
                assertThat(back.out().count("[bob] while away 1")).isEqualTo(1);
                assertThat(back.out().count("[bob] while away 2")).isEqualTo(1);

                alice.type("/devices");
                alice.awaitLine("[Spartan] Devices of alice:");
                assertThat(matched(
                                alice.out(),
                                Pattern.compile("\\[Spartan\\]   1  primary  last seen (.+)  \\(this device\\)")))
                        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d");
                assertThat(matched(alice.out(), Pattern.compile("\\[Spartan\\]   2  laptop  last seen (.+)")))
                        .doesNotContain("this device");

                alice.type("/unlink 1");
                alice.awaitLine("[Spartan] Device 1 was not unlinked: device 1 is the account itself and cannot be"
                        + " unlinked (only the operator's 'admin reset alice' replaces it, with a new identity).");
                alice.type("/unlink 2");
                alice.awaitLine("[Spartan] Device 2 is unlinked: its sessions are closed and nothing more is encrypted"
                        + " for it.");
                back.awaitLine("[Spartan] this device (alice#2) was unlinked from its account; this session is closed");
                assertThat(back.awaitExit()).isEqualTo(2);
            }
            bob.type("after the unlink");
            alice.awaitLine("[bob] after the unlink");
            try (ClientProcess refused = new ClientProcess("alice", laptopKeys(), port())) {
                refused.awaitLine("[Spartan] Login refused: device 2 of alice is not linked (it was unlinked, or never"
                        + " linked): link this device again with ./spartan client alice --link");
                assertThat(refused.awaitExit()).isEqualTo(1);
            }
            assertThat(server.store().devices("alice")).isEmpty();
            assertThat(server.store().eventsAfter("alice#2", 0, 10)).isEmpty();
        }
    }
}
