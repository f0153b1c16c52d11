package dev.spartan.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Collects the ids of 1:1 messages shown and sends one receipt per peer a moment later: a burst of messages costs
 * the reader one send (which counts against its rate limit like any message), not one per message.
 */
final class ReceiptBatcher {
    static final long DELAY_MILLIS = 1_000;

    private final ScheduledExecutorService thread;
    private final BiConsumer<String, List<String>> send;
    private Map<String, List<String>> pending = new LinkedHashMap<>();
    private boolean scheduled;

    ReceiptBatcher(ScheduledExecutorService thread, BiConsumer<String, List<String>> send) {
        this.thread = Objects.requireNonNull(thread, "thread");
        this.send = Objects.requireNonNull(send, "send");
    }

    void shown(String peer, String messageId) {
        synchronized (this) {
            pending.computeIfAbsent(peer, p -> new ArrayList<>()).add(messageId);
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        var unused = thread.schedule(this::flush, DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void flush() {
        Map<String, List<String>> batch;
        synchronized (this) {
            batch = pending;
            pending = new LinkedHashMap<>();
            scheduled = false;
        }
        batch.forEach((peer, ids) -> {
            for (int from = 0; from < ids.size(); from += DeliveryReceipt.MAX_IDS) {
                send.accept(peer, ids.subList(from, Math.min(ids.size(), from + DeliveryReceipt.MAX_IDS)));
            }
        });
    }
}
