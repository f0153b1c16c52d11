package dev.spartan.bench;

import java.util.List;

/**
 * The CPU of the bench's processes over one measured span, in cores: {@link #start} when the span starts (called from
 * the load driver's marker thread), {@link #end} when its deliveries are in.
 */
final class CpuSpan {
    /** Cores used over the span: the servers together, this process (the clients), redis-server (0 without it). */
    record Cores(double servers, double self, double redis) {}

    private final List<Long> servers;
    private final long self;
    private final long redis;
    private volatile double[] atStart;
    private volatile long wallAtStart;

    /** @param redis redis-server's pid, or a negative number when there is none */
    CpuSpan(List<Long> servers, long self, long redis) {
        this.servers = servers;
        this.self = self;
        this.redis = redis;
    }

    void start() {
        atStart = now();
        wallAtStart = System.nanoTime();
    }

    Cores end() {
        double[] before = atStart;
        double[] after = now();
        double wall = Math.max(1e-9, (System.nanoTime() - wallAtStart) / 1e9);
        return new Cores((after[0] - before[0]) / wall, (after[1] - before[1]) / wall, (after[2] - before[2]) / wall);
    }

    private double[] now() {
        double sum = 0;
        for (long pid : servers) {
            sum += ProcStats.cpuSeconds(pid);
        }
        return new double[] {sum, ProcStats.cpuSeconds(self), redis < 0 ? 0 : ProcStats.cpuSeconds(redis)};
    }
}
