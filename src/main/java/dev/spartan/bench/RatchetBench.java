package dev.spartan.bench;

import dev.spartan.client.PreKeyUpkeep;
import dev.spartan.crypto.Identity;
import dev.spartan.crypto.Ratchet;
import dev.spartan.crypto.SignalStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * What the Double Ratchet costs a client per message: two users' ratchets over their own key directories in this
 * process, one encrypting and the other decrypting, each step with its session file written and synced as a client
 * does. Messages alternate direction in runs of ten, so the ratchet keeps turning as in a conversation. No server,
 * no network: the figure is the end-to-end layer's own cost, which the node never pays.
 */
public final class RatchetBench {
    private static final int RUN = 10;

    private final PrintStream out;
    private final Clock clock;

    public RatchetBench(PrintStream out, Clock clock) {
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private final class User {
        final String name;
        final Ratchet ratchet;
        final SignalStore keys;

        User(String name, Path dir, Map<String, IdentityKey> pins) throws IOException {
            this.name = name;
            Identity identity = Identity.loadOrCreate(dir);
            this.keys = SignalStore.open(dir, identity, clock);
            this.ratchet = Ratchet.open(dir, keys, peer -> Optional.ofNullable(pins.get(peer)));
            pins.put(name, identity.signalIdentity().getPublicKey());
        }
    }

    /** Warms up, then sends {@code messages} of {@code size} bytes and prints the cost per message. */
    public void run(int messages, int size) throws IOException, Ratchet.RatchetException {
        Path dir = Files.createTempDirectory("spartan-ratchet-bench");
        try {
            Map<String, IdentityKey> pins = new ConcurrentHashMap<>();
            User alice = new User("alice", dir.resolve("alice"), pins);
            User bob = new User("bob", dir.resolve("bob"), pins);
            alice.ratchet.start("bob", PreKeyUpkeep.bundle(bob.keys));
            bob.ratchet.start("alice", PreKeyUpkeep.bundle(alice.keys));
            byte[] plaintext = new byte[size];
            exchange(alice, bob, Math.min(messages, 2_000), plaintext); // warm-up: JIT and the page cache
            long[] encrypt = {0};
            long[] decrypt = {0};
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            exchange(alice, bob, messages, plaintext, encrypt, decrypt);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuMicros = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e3 / messages;
            out.printf(
                    Locale.ROOT,
                    "ratchet: %d messages of %d bytes, alternating direction every %d, one thread: %.0f us per message"
                            + " (encrypt and write the session %.0f us, decrypt and write the session %.0f us),"
                            + " %.0f messages/s; CPU %.0f us per message, the rest waits for the disk%n",
                    messages,
                    size,
                    RUN,
                    seconds * 1e6 / messages,
                    encrypt[0] / 1e3 / messages,
                    decrypt[0] / 1e3 / messages,
                    messages / seconds,
                    cpuMicros);
        } finally {
            delete(dir);
        }
    }

    private static void exchange(User a, User b, int messages, byte[] plaintext) throws Ratchet.RatchetException {
        exchange(a, b, messages, plaintext, new long[1], new long[1]);
    }

    private static void exchange(User a, User b, int messages, byte[] plaintext, long[] encrypt, long[] decrypt)
            throws Ratchet.RatchetException {
        for (int i = 0; i < messages; i++) {
            boolean forward = (i / RUN) % 2 == 0;
            User from = forward ? a : b;
            User to = forward ? b : a;
            long t0 = System.nanoTime();
            Ratchet.Sealed sealed = from.ratchet.encrypt(to.name, plaintext);
            long t1 = System.nanoTime();
            to.ratchet.decrypt(from.name, sealed.type(), sealed.body());
            long t2 = System.nanoTime();
            encrypt[0] += t1 - t0;
            decrypt[0] += t2 - t1;
        }
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
