package dev.spartan.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.spartan.client.ChatClient;
import dev.spartan.client.ClientFeatures;
import dev.spartan.client.ClientListener;
import dev.spartan.client.ClientOptions;
import dev.spartan.client.Incoming;
import dev.spartan.client.SendState;
import dev.spartan.contract.ChatIds;
import dev.spartan.proto.ChatRef;
import dev.spartan.tls.ClientTls;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a group message costs its sender and the server, against a 1:1 message of the same size in the same run. The
 * sender is a real client in this process with the terminal's defaults; the other members are real clients too, in
 * this process only until each has answered the sender once (so that every pairwise session is established both
 * ways, as in a conversation), then they leave. While the sender sends, this process runs nothing else, so its CPU is the sender's.
 * The server's bytes per message come from its own {@code spartan_messages_stored_bytes}.
 */
public final class GroupCostBench {
    static final String GROUP = "big";
    /** Messages of each kind per warm-up round, at most. */
    private static final int WARMUP = 50;

    private final PrintStream out;
    private final Clock clock;

    public GroupCostBench(PrintStream out, Clock clock) {
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The members of a group of {@code size}: the sender {@code s} and {@code m1..m(size-1)}. */
    static List<String> members(int size) {
        List<String> names = new ArrayList<>(List.of("s"));
        for (int i = 1; i < size; i++) {
            names.add("m" + i);
        }
        return names;
    }

    /** Measures {@code messages} of {@code bytes} each to a group of {@code groupSize} and in a 1:1 chat. */
    public void run(int groupSize, int messages, int bytes) throws Exception {
        Path work = Files.createTempDirectory("spartan-group-cost");
        try (Processes processes = new Processes()) {
            int port = Processes.freePort();
            int metricsPort = Processes.freePort();
            List<String> names = members(groupSize);
            Path config = BenchConfig.write(
                    work.resolve("group.yaml"),
                    String.join(",", names),
                    " " + GROUP + ": [" + String.join(",", names) + "]\n");
            // The node runs with the default max_message_bytes: under sender keys a group message is one ciphertext,
            // and the key carriers of a rotation do not count against it.
            processes.server(config, port, work.resolve("data"), "--metrics-port", String.valueOf(metricsPort));
            String server = "localhost:" + port;
            Sender sender = new Sender(server, work.resolve("keys/s"));
            try {
                meetEveryMember(sender, server, work, names);
                String text = "x".repeat(bytes);
                ChatRef direct = ChatIds.toUser("m1");
                ChatRef group = ChatIds.toGroup(GROUP);
                // Both kinds in each round, so that neither is measured while the compiler still works on it.
                int round = Math.max(20, Math.min(messages, WARMUP));
                int warmup = round
                        * JitWarmup.run(() -> {
                            sender.sendAll(direct, text, round);
                            sender.sendAll(group, text, round);
                        });
                Span one = measure(sender, direct, text, messages, metricsPort);
                Span many = measure(sender, group, text, messages, metricsPort);
                out.printf(
                        Locale.ROOT,
                        "group cost: %d messages of %d bytes to a group of %d and as many in a 1:1 chat, %s, each"
                                + " round as many of each; the sender in this process, the node in another, the members away after"
                                + " answering once; the default max_message_bytes%n",
                        messages,
                        bytes,
                        groupSize,
                        JitWarmup.describe(warmup, round));
                out.printf(
                        Locale.ROOT,
                        "group of %d: sender CPU per message %.1fx a 1:1 message; server bytes stored per message"
                                + " %.1fx a 1:1 message%n",
                        groupSize,
                        many.cpuMicros / one.cpuMicros,
                        many.storedBytes / one.storedBytes);
                out.printf(
                        Locale.ROOT,
                        "  1:1: sender CPU %.0f us, %.0f bytes stored per message; group of %d: sender CPU %.0f us,"
                                + " %.0f bytes stored per message%n",
                        one.cpuMicros,
                        one.storedBytes,
                        groupSize,
                        many.cpuMicros,
                        many.storedBytes);
            } finally {
                sender.client.close(1_000);
            }
        } finally {
            RatchetBench.delete(work);
        }
    }

    /**
     * Each member joins and answers the sender's opening in a 1:1 chat (the pairwise session a group message is
     * encrypted on), so that the sender has read a message on every session and sends plain ratchet messages, not
     * prekey messages; then every member leaves this process. Answers in the group would cost each member a
     * message to every other: N squared.
     */
    private void meetEveryMember(Sender sender, String server, Path work, List<String> names) throws Exception {
        List<Endpoint.Spartan> others = new ArrayList<>();
        try {
            for (String name : names.subList(1, names.size())) {
                Endpoint.Spartan member = Endpoint.spartanClient(
                        name, List.of(server), work.resolve("keys/" + name), clock, (r, t) -> {}, ClientFeatures.NONE);
                others.add(member);
                sender.client.requestChat(name);
                member.client().answerChat("s", true);
                sender.client.send(ChatIds.toUser(name), Endpoint.OPENING);
            }
            sender.awaitAnswers(others.size());
            sender.client.users(); // the group's members all have keys now
        } finally {
            others.forEach(o -> o.endpoint().close());
        }
    }

    private record Span(double cpuMicros, double storedBytes) {}

    private static Span measure(Sender sender, ChatRef to, String text, int messages, int metricsPort)
            throws InterruptedException {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ServerFigures before = ServerFigures.scrape(List.of(metricsPort));
        long cpu = os.getProcessCpuTime();
        sender.sendAll(to, text, messages);
        double cpuMicros = (os.getProcessCpuTime() - cpu) / 1e3 / messages;
        ServerFigures after = ServerFigures.scrape(List.of(metricsPort));
        double count = after.delta(before, "spartan_messages_stored_bytes_count");
        double sum = after.delta(before, "spartan_messages_stored_bytes_sum");
        if (!before.answered() || !after.answered()) {
            System.err.println("group cost: the node's metrics endpoint did not answer a scrape");
        }
        return new Span(cpuMicros, count > 0 ? sum / count : Double.NaN);
    }

    /** The sender's client, counting the answers it reads and its messages the server stored. */
    private final class Sender {
        final ChatClient client;
        private final Semaphore answers = new Semaphore(0);
        private final Semaphore stored = new Semaphore(0);
        private final Set<String> counted = ConcurrentHashMap.newKeySet();
        private final AtomicInteger failed = new AtomicInteger();

        Sender(String server, Path keys) {
            ClientOptions options = new ClientOptions("s", List.of(server), keys, ClientTls.plaintext(), "", clock);
            client = new ChatClient(
                    options,
                    new ClientListener() {
                        @Override
                        public void message(Incoming m) {
                            if (m.text().equals(Endpoint.ANSWER)) {
                                answers.release();
                            }
                        }

                        @Override
                        public void sendState(String messageId, ChatRef to, SendState state) {
                            if (state == SendState.FAILED) {
                                failed.incrementAndGet();
                            }
                            if (state != SendState.QUEUED && state != SendState.KEPT && counted.add(messageId)) {
                                stored.release();
                            }
                        }

                        @Override
                        public void notice(String text) {
                            System.err.println("[s] " + text);
                        }
                    },
                    new ClientFeatures(true, true)); // the terminal client's defaults
            client.connect();
        }

        void awaitAnswers(int count) throws InterruptedException {
            if (!answers.tryAcquire(count, 5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the members did not all answer within 5 minutes");
            }
        }

        /** Sends {@code count} messages and returns once the server has stored them all. */
        void sendAll(ChatRef to, String text, int count) throws InterruptedException {
            stored.drainPermits();
            for (int i = 0; i < count; i++) {
                client.send(to, text);
            }
            if (!stored.tryAcquire(count, 5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the server did not store " + count + " messages within 5 minutes");
            }
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " messages were refused (see the client's lines)");
            }
        }
    }
}
