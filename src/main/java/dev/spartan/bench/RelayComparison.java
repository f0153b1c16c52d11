package dev.spartan.bench;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each setup's runs measured, side by side with the bare stream relay of the same run: throughput as a share of
 * the relay's, server CPU per delivered message as a multiple of the relay's (at max and at each fixed rate), and p99
 * at each fixed rate as a multiple of the relay's at the same share of its own max. The machine is shared, so only
 * ratios within one run mean much; these are the ratios issue 25's server targets are stated in.
 */
final class RelayComparison {
    /** One fixed-rate run: p99 from send to arrival, and server CPU per delivered message. */
    record Paced(double p99Ms, double cpuUs) {}

    /** One setup: its max throughput, server CPU per delivered message at max, and its runs at shares of max. */
    record Figures(double maxPerSecond, double cpuUsAtMax, Map<Double, Paced> paced) {}

    private final Map<Bench.Setup, Figures> figures = new EnumMap<>(Bench.Setup.class);

    void max(Bench.Setup setup, double perSecond, double serverCores) {
        figures.put(setup, new Figures(perSecond, perMessageUs(serverCores, perSecond), new TreeMap<>()));
    }

    void paced(Bench.Setup setup, double share, LoadDriver.Result r, double serverCores) {
        Figures f = figures.get(setup);
        if (f != null) {
            f.paced()
                    .put(
                            share,
                            new Paced(
                                    r.latency().getValueAtPercentile(99) / 1000.0,
                                    perMessageUs(serverCores, r.deliveredPerSecond())));
        }
    }

    private static double perMessageUs(double cores, double perSecond) {
        return cores / Math.max(1e-9, perSecond) * 1e6;
    }

    /** One line per setup measured besides the relays, if the stream relay ran. */
    void print(PrintStream out) {
        Figures relay = figures.get(Bench.Setup.STREAM_BASELINE);
        if (relay == null) {
            return;
        }
        figures.forEach((setup, f) -> {
            if (setup == Bench.Setup.BASELINE || setup == Bench.Setup.STREAM_BASELINE) {
                return;
            }
            StringBuilder line = new StringBuilder(String.format(
                    Locale.ROOT,
                    "%s against the stream relay (same run): throughput %.0f%%; server CPU per delivered message"
                            + " at max %.1fx (%.0f us against %.0f us)",
                    setup.name().toLowerCase(Locale.ROOT),
                    100 * f.maxPerSecond() / relay.maxPerSecond(),
                    f.cpuUsAtMax() / relay.cpuUsAtMax(),
                    f.cpuUsAtMax(),
                    relay.cpuUsAtMax()));
            f.paced().forEach((share, p) -> {
                Paced r = relay.paced().get(share);
                if (r != null) {
                    line.append(String.format(
                            Locale.ROOT,
                            "; at %.0f%% of max: p99 %.1fx (%.2f ms against %.2f ms), CPU %.1fx (%.0f us against"
                                    + " %.0f us)",
                            share * 100,
                            p.p99Ms() / r.p99Ms(),
                            p.p99Ms(),
                            r.p99Ms(),
                            p.cpuUs() / r.cpuUs(),
                            p.cpuUs(),
                            r.cpuUs()));
                }
            });
            out.println(line);
        });
    }
}
