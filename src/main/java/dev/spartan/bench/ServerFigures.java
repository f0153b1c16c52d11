package dev.spartan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The servers' own account of a run, from their Prometheus endpoints: scraped when the measured part starts and
 * again when it ends, so the figures cover the same span as the bench's. Several nodes are summed (their
 * histograms share bucket bounds, so the sum is the histogram of the whole cluster).
 */
final class ServerFigures {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final Map<String, Double> samples;

    private ServerFigures(Map<String, Double> samples) {
        this.samples = samples;
    }

    /** One scrape of every node, summed; empty figures if a node does not answer (the bench never fails on it). */
    static ServerFigures scrape(List<Integer> metricsPorts) {
        Map<String, Double> sum = new HashMap<>();
        for (int port : metricsPorts) {
            try {
                String body = HTTP.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                        .timeout(Duration.ofSeconds(30))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                body.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).forEach(l -> {
                    int space = l.lastIndexOf(' ');
                    sum.merge(l.substring(0, space), Double.parseDouble(l.substring(space + 1)), Double::sum);
                });
            } catch (IOException | RuntimeException e) {
                return new ServerFigures(Map.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ServerFigures(Map.of());
            }
        }
        return new ServerFigures(sum);
    }

    /** False if a node did not answer the scrape (the figures are then empty). */
    boolean answered() {
        return !samples.isEmpty();
    }

    /** One line comparing with the bench's own figures: counts, rates and the servers' latency percentiles. */
    String since(ServerFigures start, double seconds) {
        if (samples.isEmpty() || start.samples.isEmpty()) {
            return "server's own figures: not available (the metrics endpoint did not answer)";
        }
        double accepted = delta(start, "spartan_messages_accepted_total");
        double delivered = delta(start, "spartan_messages_delivered_total");
        return String.format(
                Locale.ROOT,
                // No SendStream figure: a client's stream lasts its whole session, so a call's length says nothing.
                "server's own figures: accepted %.0f, delivered %.0f (%.0f msg/s); SendMsg %s;" + " store save %s;"
                        + " delivery lag %s",
                accepted,
                delivered,
                delivered / seconds,
                percentiles(start, "grpc_server_handling_seconds", "grpc_method=\"SendMsg\"", "grpc_code=\"OK\""),
                percentiles(start, "spartan_store_operation_seconds", "operation=\"save"), // save and saveAsync
                percentiles(start, "spartan_delivery_lag_seconds"));
    }

    /** The sum of every series whose key starts with {@code prefix} (a metric with some of its labels). */
    double sum(String prefix) {
        return samples.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    boolean isEmpty() {
        return samples.isEmpty();
    }

    double delta(ServerFigures start, String series) {
        return samples.getOrDefault(series, 0.0) - start.samples.getOrDefault(series, 0.0);
    }

    private String percentiles(ServerFigures start, String histogram, String... labels) {
        List<double[]> buckets = new ArrayList<>(); // {upper bound in seconds, count in the span}
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(histogram + "_bucket{") || !hasAll(key, labels)) {
                continue;
            }
            int le = key.indexOf("le=\"") + 4;
            String bound = key.substring(le, key.indexOf('"', le));
            double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
            buckets.add(new double[] {upper, e.getValue() - start.samples.getOrDefault(key, 0.0)});
        }
        buckets.sort((a, b) -> Double.compare(a[0], b[0]));
        if (buckets.isEmpty() || buckets.get(buckets.size() - 1)[1] <= 0) {
            return "-";
        }
        return String.format(
                Locale.ROOT, "p50 %.2f / p99 %.2f ms", quantile(buckets, 0.50) * 1000, quantile(buckets, 0.99) * 1000);
    }

    private static boolean hasAll(String key, String... labels) {
        for (String label : labels) {
            if (!key.contains(label)) {
                return false;
            }
        }
        return true;
    }

    /** As Prometheus's histogram_quantile: linear within the bucket where the rank falls. */
    private static double quantile(List<double[]> cumulative, double q) {
        double total = cumulative.get(cumulative.size() - 1)[1];
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (double[] bucket : cumulative) {
            if (bucket[1] >= rank) {
                if (Double.isInfinite(bucket[0])) {
                    return lowerBound; // above the largest finite bound: say that bound
                }
                double inBucket = bucket[1] - lowerCount;
                return inBucket <= 0
                        ? bucket[0]
                        : lowerBound + (bucket[0] - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = bucket[0];
            lowerCount = bucket[1];
        }
        return lowerBound;
    }
}
