package dev.spartan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.OptionalDouble;

/** One scrape of a node's Prometheus endpoint over real HTTP, and the samples in it. */
public final class Scrape {
    private final List<String> lines;

    private Scrape(String body) {
        this.lines = body.lines().filter(l -> !l.startsWith("#")).toList();
    }

    public static Scrape of(int metricsPort) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /metrics answered " + response.statusCode());
            }
            return new Scrape(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The value of the sample named {@code name} whose labels include every {@code label="value"} given, e.g.
     * {@code value("grpc_server_handling_seconds_count", "grpc_method=\"SendMsg\"")}; empty if there is none.
     */
    public OptionalDouble value(String name, String... labels) {
        return lines.stream()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .filter(l -> {
                    for (String label : labels) {
                        if (!l.contains(label)) {
                            return false;
                        }
                    }
                    return true;
                })
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst();
    }

    public List<String> lines() {
        return lines;
    }
}
