package dev.spartan.store;

import com.google.protobuf.ByteString;
import dev.spartan.proto.ChatMessage;
import dev.spartan.proto.ChatRef;
import dev.spartan.proto.Ciphertext;
import dev.spartan.proto.Sealed;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: the measurement issue 25 asked for before choosing the embedded store's engine, printed from one run.
 * The same workload (K conversations of 1:1 messages of the bench's size, each reader acknowledging every 32) against
 * the real embedded store ({@link EmbeddedStore}, its rules and maps unchanged) on each engine: MVStore in one file
 * with group commits written on the committing thread (layout 2, the version before), and RocksDB with every write
 * through its write-ahead log (layout 3, now). Every engine is durable against a killed process (no fsync) before a
 * save counts.
 *
 * <pre>
 * mvn -B -o test -Dtest=StoreEnginesMeasurement -Dspartan.measure=true -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * (-Dspartan.measure.seconds=N for each span, default 8; -Dspartan.measure.rate=R for the light load, default 1000/s;
 * -Dspartan.measure.engines=rocksdb for one engine.)
 */
@EnabledIfSystemProperty(named = "spartan.measure", matches = "true")
class StoreEnginesMeasurement {
    private static final int CONVERSATIONS = 8;
    private static final int WINDOW = 32;
    private static final int BODY = 150;

    @TempDir
    Path dir;

    /** One engine under the workload: saves one message of a conversation, and acknowledges a reader's inbox. */
    private interface Engine extends AutoCloseable {
        CompletableFuture<?> save(int conversation, long n);

        void ack(int conversation, long upTo);

        @Override
        void close();
    }

    @Test
    void measure() throws Exception {
        int seconds = Integer.getInteger("spartan.measure.seconds", 8);
        int rate = Integer.getInteger("spartan.measure.rate", 1000);
        System.out.printf(
                Locale.ROOT,
                "store engines, %d conversations, window %d, %d-byte bodies, %d s per span, light load %d/s%n",
                CONVERSATIONS,
                WINDOW,
                BODY,
                seconds,
                rate);
        for (String name : List.of(
                System.getProperty("spartan.measure.engines", "mvstore,rocksdb").split(",", -1))) {
            Path data = Files.createDirectories(dir.resolve(name));
            java.util.Arrays.fill(NEXT, 0);
            try (Engine engine = open(name, data)) {
                runMax(engine, 2); // warm-up
                double[] max = runMax(engine, seconds);
                double[] light = runRate(engine, seconds, rate);
                System.out.printf(
                        Locale.ROOT,
                        "%-16s max %7.0f saves/s, %6.1f us CPU per save | at %d/s: p50 %6.3f ms, p99 %6.3f ms,"
                                + " %6.1f us CPU per save | on disk %6.1f MB%n",
                        name,
                        max[0],
                        max[1],
                        rate,
                        light[0],
                        light[1],
                        light[2],
                        bytes(data) / 1e6);
            }
        }
    }

    /**
     * The file against what it holds: 4,000 messages of 400-800 random bytes, each saved (and durable) before the next,
     * none acknowledged, as README's known limit on the file's size states it; the data directory after a clean close.
     */
    @Test
    void fileSize() throws Exception {
        java.util.Random random = new java.util.Random(25);
        for (String name : List.of("mvstore", "rocksdb")) {
            Path data = Files.createDirectories(dir.resolve("size-" + name));
            long ciphertext = 0;
            try (Embedded engine = open(name, data)) {
                EmbeddedStore store = engine.store();
                store.setPairState(pair(0), PairState.ACCEPTED);
                for (int i = 0; i < 4000; i++) {
                    byte[] body = new byte[400 + random.nextInt(401)];
                    random.nextBytes(body);
                    ciphertext += body.length;
                    ChatMessage m = message(0, i).toBuilder()
                            .setSealed(Sealed.newBuilder()
                                    .putCiphertexts(
                                            reader(0),
                                            Ciphertext.newBuilder()
                                                    .setBody(ByteString.copyFrom(body))
                                                    .build()))
                            .build();
                    store.save(new NewMessage(
                            pair(0),
                            "dm:" + pair(0),
                            m,
                            List.of(reader(0)),
                            Guard.pair(pair(0), sender(0)),
                            10_000,
                            HoldLimit.NONE));
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-16s 4000 messages, %.1f MB of ciphertext: data directory %.1f MB (%.1fx)%n",
                    name,
                    ciphertext / 1e6,
                    bytes(data) / 1e6,
                    (double) bytes(data) / ciphertext);
        }
    }

    private static Embedded open(String name, Path data) {
        return new Embedded(name.equals("mvstore") ? EmbeddedStore.openMvFile(data, true) : EmbeddedStore.open(data));
    }

    /** Saves/s and us of process CPU per save, every conversation sending as fast as its window allows. */
    private static double[] runMax(Engine engine, int seconds) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong saved = new AtomicLong();
        List<Thread> senders = new ArrayList<>();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        for (int c = 0; c < CONVERSATIONS; c++) {
            int conversation = c;
            Thread t = new Thread(() -> {
                Semaphore window = new Semaphore(WINDOW);
                long n = NEXT[conversation];
                while (!stop.get()) {
                    window.acquireUninterruptibly();
                    long mine = ++n;
                    var unused = engine.save(conversation, mine).whenComplete((ok, e) -> {
                        saved.incrementAndGet();
                        window.release();
                    });
                    if (mine % WINDOW == 0) {
                        engine.ack(conversation, mine - WINDOW);
                    }
                }
                window.acquireUninterruptibly(WINDOW);
                NEXT[conversation] = n;
            });
            t.start();
            senders.add(t);
        }
        Thread.sleep(seconds * 1000L);
        long count = saved.get();
        long cpu = cpuNanos() - cpu0;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        for (Thread t : senders) {
            t.join();
        }
        return new double[] {count / elapsed, cpu / 1e3 / Math.max(1, count)};
    }

    /** p50, p99 (ms) from asking to durable, and us of CPU per save, at a fixed total rate. */
    private static double[] runRate(Engine engine, int seconds, int rate) {
        Recorder latency = new Recorder(3);
        long interval = 1_000_000_000L / rate;
        long cpu0 = cpuNanos();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long count = 0;
        List<CompletableFuture<?>> last = new ArrayList<>();
        for (long due = start; due < end; due += interval) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int conversation = (int) (count % CONVERSATIONS);
            long n = ++NEXT[conversation];
            long asked = System.nanoTime();
            CompletableFuture<?> done = engine.save(conversation, n)
                    .whenComplete((ok, e) -> latency.recordValue(System.nanoTime() - asked));
            if (n % WINDOW == 0) {
                engine.ack(conversation, n - WINDOW);
            }
            count++;
            if (last.size() == 64) {
                last.remove(0);
            }
            last.add(done);
        }
        CompletableFuture.allOf(last.toArray(CompletableFuture[]::new)).join();
        long cpu = cpuNanos() - cpu0;
        var h = latency.getIntervalHistogram();
        return new double[] {
            h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, cpu / 1e3 / Math.max(1, count)
        };
    }

    /** Each conversation's next message number, carried from one span to the next so ids never repeat. */
    private static final long[] NEXT = new long[CONVERSATIONS];

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    static String sender(int conversation) {
        return "s" + conversation;
    }

    static String reader(int conversation) {
        return "r" + conversation;
    }

    static String pair(int conversation) {
        return PairState.pairKey(sender(conversation), reader(conversation));
    }

    static ChatMessage message(int conversation, long n) {
        byte[] body = new byte[BODY];
        body[0] = (byte) n;
        return ChatMessage.newBuilder()
                .setMessageId("m" + conversation + "-" + n)
                .setSender(sender(conversation))
                .setChat(ChatRef.newBuilder().setUser(reader(conversation)))
                .setSentAtMillis(System.currentTimeMillis())
                .setSealed(Sealed.newBuilder()
                        .putCiphertexts(
                                reader(conversation),
                                Ciphertext.newBuilder()
                                        .setType(2)
                                        .setBody(ByteString.copyFrom(body))
                                        .build()))
                .build();
    }

    /** The embedded store itself, saving as the send path does. */
    private record Embedded(EmbeddedStore store) implements Engine {
        Embedded {
            for (int c = 0; c < CONVERSATIONS; c++) {
                store.setPairState(pair(c), PairState.ACCEPTED);
            }
        }

        @Override
        public CompletableFuture<?> save(int c, long n) {
            return store.saveAsync(new NewMessage(
                    pair(c),
                    "dm:" + pair(c),
                    message(c, n),
                    List.of(reader(c)),
                    Guard.pair(pair(c), sender(c)),
                    1000,
                    HoldLimit.NONE));
        }

        @Override
        public void ack(int c, long upTo) {
            store.ack(reader(c), upTo);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
