package dev.spartan.ops;

import dev.spartan.chat.Refusal;
import dev.spartan.store.MessageStore;
import dev.spartan.store.NewMessage;
import dev.spartan.store.StoreUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times every store operation ({@code spartan_store_operation_seconds}, by operation; {@code save} is a send's
 * commit, since it returns only once the message is durable) and counts and logs the ones that fail. A dynamic proxy
 * over the {@link MessageStore} interface, so a new store operation is observed without a change here.
 *
 * <p>Failures are logged at most once per {@value #LOG_EVERY_SECONDS} seconds, with the count of those in between:
 * while Redis is down every call fails, and one line says as much as a thousand.
 */
final class ObservedStore implements InvocationHandler {
    private static final Logger log = LoggerFactory.getLogger(ObservedStore.class);
    private static final long LOG_EVERY_SECONDS = 10;

    private final MessageStore store;
    private final MeterRegistry registry;
    private final Map<Method, Timer> timers = new ConcurrentHashMap<>();
    private final Map<Method, Counter> errors = new ConcurrentHashMap<>();
    private final DistributionSummary storedBytes;
    private final AtomicLong unlogged = new AtomicLong();
    private volatile long nextLine = System.nanoTime();

    private ObservedStore(MessageStore store, MeterRegistry registry) {
        this.store = store;
        this.registry = registry;
        storedBytes = DistributionSummary.builder("spartan.messages.stored.bytes")
                .description("Bytes of each message a send stores (its sealed ciphertexts and metadata), once, though"
                        + " a store may keep it in more than one place")
                .baseUnit("bytes")
                .register(registry);
        // The send's commit has its error counter from the start, at 0, so that rate() and the alert on it see the
        // first error as an increase.
        for (Method m : MessageStore.class.getMethods()) {
            if (m.getName().equals("saveAsync")) {
                errors.computeIfAbsent(m, this::counter);
            }
        }
    }

    static MessageStore observe(MessageStore store, MeterRegistry registry) {
        return (MessageStore) Proxy.newProxyInstance(
                MessageStore.class.getClassLoader(),
                new Class<?>[] {MessageStore.class},
                new ObservedStore(store, registry));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() != MessageStore.class || method.getName().equals("close")) {
            return invokeQuietly(method, args); // equals, hashCode, toString, close: not store traffic
        }
        Timer timer = timers.computeIfAbsent(method, this::timer);
        if (args != null && args.length == 1 && args[0] instanceof NewMessage message) {
            storedBytes.record(message.message().getSerializedSize());
        }
        long start = System.nanoTime();
        boolean later = false;
        try {
            Object result = method.invoke(store, args);
            if (result instanceof CompletableFuture<?> pending) {
                // Timed until it completes: for saveAsync, that is the commit its message waited for.
                later = true;
                return pending.whenComplete((value, failure) -> {
                    timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause()
                                : failure;
                        errors.computeIfAbsent(method, this::counter).increment();
                        report(method, cause);
                    }
                });
            }
            return result;
        } catch (InvocationTargetException e) {
            Throwable failure = e.getCause();
            // a rule broken inside atomically(), or an operation this store does not offer, is not a store error
            if (!(failure instanceof Refusal) && !(failure instanceof UnsupportedOperationException)) {
                errors.computeIfAbsent(method, this::counter).increment();
                report(method, failure);
            }
            throw failure;
        } finally {
            if (!later) {
                timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }
    }

    private Object invokeQuietly(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(store, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Timer timer(Method m) {
        return Timer.builder("spartan.store.operation")
                .description("Store operations; operation=save and saveAsync include the commit of a send")
                .tag("operation", m.getName())
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    private Counter counter(Method m) {
        return Counter.builder("spartan.store.errors")
                .description("Store operations that failed")
                .tag("operation", m.getName())
                .register(registry);
    }

    private void report(Method method, Throwable failure) {
        long now = System.nanoTime();
        long due = nextLine;
        if (now - due < 0) {
            unlogged.incrementAndGet();
            return;
        }
        nextLine = now + TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS);
        long others = unlogged.getAndSet(0);
        String what = failure instanceof StoreUnavailableException
                ? failure.getMessage()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        log.warn(
                "store error in {}: {}{}",
                method.getName(),
                Printable.of(what),
                others == 0 ? "" : " (and " + others + " more store errors in the last " + LOG_EVERY_SECONDS + " s)");
    }
}
