package dev.spartan.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.spartan.client.ClientFeatures;
import dev.spartan.contract.ChatIds;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SignalMessage;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyBundle;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;
import org.signal.libsignal.protocol.util.KeyHelper;

/**
 * What the client costs per 1:1 message, end to end, against what libsignal itself costs: two real clients in this
 * process (the terminal's defaults: durable outbox, delivery receipts, session state synced) chat through a node in a
 * child process, so this process's CPU is the two clients' alone; then two bare libsignal sessions over in-memory
 * stores encrypt and decrypt the same messages in this run. Both alternate direction in runs of ten, as a
 * conversation does, so the ratchet keeps turning.
 */
public final class ClientCostBench {
    private static final int RUN = 10;

    private final PrintStream out;
    private final Clock clock;

    public ClientCostBench(PrintStream out, Clock clock) {
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Warms up, then measures {@code messages} of {@code size} bytes each way and prints the two figures. */
    public void run(int messages, int size) throws Exception {
        Path work = Files.createTempDirectory("spartan-client-cost");
        try (Processes processes = new Processes()) {
            int port = Processes.freePort();
            Path config = BenchConfig.write(work.resolve("cost.yaml"), "alice,bob", "");
            processes.server(config, port, work.resolve("data"));
            Cost cost = clientsMicros(work, "localhost:" + port, messages, size);
            double client = cost.micros();
            double bare = libsignalMicros(messages, size);
            out.printf(
                    Locale.ROOT,
                    "client cost: %d 1:1 messages of %d bytes, alternating direction every %d, %s; two clients in this"
                            + " process, the node in another%n",
                    messages,
                    size,
                    RUN,
                    JitWarmup.describe(cost.warmup(), warmupRound(messages)));
            out.printf(
                    Locale.ROOT,
                    "client CPU per delivered 1:1 message: %.0f us, %.1fx libsignal's own encrypt + decrypt (%.0f us)"
                            + " in this run%n",
                    client,
                    client / bare,
                    bare);
            out.printf(
                    Locale.ROOT,
                    "of which this JVM's JIT compiler threads, still compiling after the warm-up: %.0f us per message%n",
                    cost.jitMicros());
        } finally {
            RatchetBench.delete(work);
        }
    }

    private static int warmup(int messages) {
        return Math.max(RUN * 2, Math.min(messages, 1000));
    }

    private static int warmupRound(int messages) {
        return Math.max(RUN * 2, Math.min(messages, 500));
    }

    /** Both clients' CPU per delivered message, the JIT compiler's part of it, and the messages the warm-up took. */
    private record Cost(double micros, double jitMicros, int warmup) {}

    /**
     * Both clients' CPU per delivered message: this process's CPU, which runs nothing else meanwhile; and the part of
     * it the JIT compiler's threads used, after a {@link JitWarmup}.
     */
    private Cost clientsMicros(Path work, String server, int messages, int size) throws Exception {
        Semaphore aliceGot = new Semaphore(0);
        Semaphore bobGot = new Semaphore(0);
        // The terminal client's defaults: what a person's client does per message.
        ClientFeatures features = new ClientFeatures(true, true);
        Endpoint.Spartan alice = Endpoint.spartanClient(
                "alice", List.of(server), work.resolve("keys/alice"), clock, (r, t) -> aliceGot.release(), features);
        Endpoint.Spartan bob = Endpoint.spartanClient(
                "bob", List.of(server), work.resolve("keys/bob"), clock, (r, t) -> bobGot.release(), features);
        try {
            alice.client().requestChat("bob");
            bob.client().answerChat("alice", true);
            alice.endpoint().send(ChatIds.toUser("bob"), Endpoint.OPENING); // bob's client answers it
            await(aliceGot, 1);
            String text = "x".repeat(size);
            int warmup = warmupRound(messages)
                    * JitWarmup.run(() -> exchange(alice, bob, aliceGot, bobGot, warmupRound(messages), text));
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long start = os.getProcessCpuTime();
            double jitStart = ProcStats.compilerCpuSeconds();
            exchange(alice, bob, aliceGot, bobGot, messages, text);
            double jit = ProcStats.compilerCpuSeconds() - jitStart;
            return new Cost((os.getProcessCpuTime() - start) / 1e3 / messages, jit * 1e6 / messages, warmup);
        } finally {
            alice.endpoint().close();
            bob.endpoint().close();
        }
    }

    private static void exchange(
            Endpoint.Spartan a, Endpoint.Spartan b, Semaphore aGot, Semaphore bGot, int messages, String text)
            throws InterruptedException {
        for (int sent = 0; sent < messages; sent += RUN) {
            boolean forward = (sent / RUN) % 2 == 0;
            Endpoint.Spartan from = forward ? a : b;
            Semaphore arrived = forward ? bGot : aGot;
            String to = forward ? "bob" : "alice";
            int run = Math.min(RUN, messages - sent);
            for (int i = 0; i < run; i++) {
                from.endpoint().send(ChatIds.toUser(to), text);
            }
            await(arrived, run);
        }
    }

    private static void await(Semaphore arrived, int count) throws InterruptedException {
        if (!arrived.tryAcquire(count, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(
                    "the clients stopped delivering: " + count + " messages did not arrive" + " within 60 s");
        }
    }

    /** libsignal alone: encrypt and decrypt over in-memory stores on one thread, per message. */
    private static double libsignalMicros(int messages, int size) throws Exception {
        Bare alice = new Bare("alice");
        Bare bob = new Bare("bob");
        new SessionBuilder(alice.store, bob.address).process(bob.bundle());
        byte[] plaintext = new byte[size];
        bareExchange(alice, bob, warmup(messages), plaintext);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        bareExchange(alice, bob, messages, plaintext);
        return (threads.getCurrentThreadCpuTime() - start) / 1e3 / messages;
    }

    private static void bareExchange(Bare a, Bare b, int messages, byte[] plaintext) throws Exception {
        for (int i = 0; i < messages; i++) {
            boolean forward = (i / RUN) % 2 == 0;
            Bare from = forward ? a : b;
            Bare to = forward ? b : a;
            CiphertextMessage m = new SessionCipher(from.store, to.address).encrypt(plaintext);
            SessionCipher reader = new SessionCipher(to.store, from.address);
            if (m.getType() == CiphertextMessage.PREKEY_TYPE) {
                reader.decrypt(new PreKeySignalMessage(m.serialize()));
            } else {
                reader.decrypt(new SignalMessage(m.serialize()));
            }
        }
    }

    /** One side of the bare sessions: an identity, one prekey of each kind, all in memory. */
    private static final class Bare {
        final SignalProtocolAddress address;
        final InMemorySignalProtocolStore store;
        private final IdentityKeyPair identity = IdentityKeyPair.generate();
        private final int registrationId = KeyHelper.generateRegistrationId(false);

        Bare(String name) {
            this.address = new SignalProtocolAddress(name, 1);
            this.store = new InMemorySignalProtocolStore(identity, registrationId);
        }

        PreKeyBundle bundle() throws Exception {
            ECKeyPair oneTime = ECKeyPair.generate();
            ECKeyPair signed = ECKeyPair.generate();
            KEMKeyPair kyber = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
            byte[] signedSignature = identity.getPrivateKey()
                    .calculateSignature(signed.getPublicKey().serialize());
            byte[] kyberSignature = identity.getPrivateKey()
                    .calculateSignature(kyber.getPublicKey().serialize());
            store.storePreKey(1, new PreKeyRecord(1, oneTime));
            store.storeSignedPreKey(1, new SignedPreKeyRecord(1, 0, signed, signedSignature));
            store.storeKyberPreKey(1, new KyberPreKeyRecord(1, 0, kyber, kyberSignature));
            return new PreKeyBundle(
                    registrationId,
                    1,
                    1,
                    oneTime.getPublicKey(),
                    1,
                    signed.getPublicKey(),
                    signedSignature,
                    identity.getPublicKey(),
                    1,
                    kyber.getPublicKey(),
                    kyberSignature);
        }
    }
}
