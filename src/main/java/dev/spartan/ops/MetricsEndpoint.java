package dev.spartan.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} in the Prometheus text format, and the probes of orchestrators: {@code GET /healthz} (200 while
 * the node serves calls) and {@code GET /readyz} (200 while it also is not stopping). On the JDK's own HTTP server:
 * one thread, nothing else served.
 */
final class MetricsEndpoint implements AutoCloseable {
    static final String PATH = "/metrics";
    static final String HEALTHZ = "/healthz";
    static final String READYZ = "/readyz";
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metrics-http");
        t.setDaemon(true);
        return t;
    });

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    /** @param bind the address to listen on, or null for every interface */
    static MetricsEndpoint start(
            String bind, int port, Supplier<String> scrape, BooleanSupplier serving, BooleanSupplier ready)
            throws ListenException {
        HttpServer server;
        try {
            server = HttpServer.create(
                    bind == null ? new InetSocketAddress(port) : new InetSocketAddress(bind, port), 0);
        } catch (IOException e) {
            throw ListenException.of("metrics port", bind, port, e);
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(server);
        server.createContext("/", exchange -> endpoint.answer(exchange, scrape, serving, ready));
        server.setExecutor(endpoint.executor);
        server.start();
        return endpoint;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void answer(HttpExchange exchange, Supplier<String> scrape, BooleanSupplier serving, BooleanSupplier ready)
            throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals(PATH) && !path.equals(HEALTHZ) && !path.equals(READYZ)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            int code = 200;
            String text;
            if (path.equals(PATH)) {
                text = scrape.get();
                exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            } else {
                boolean ok = path.equals(HEALTHZ) ? serving.getAsBoolean() : ready.getAsBoolean();
                code = ok ? 200 : 503;
                text = ok ? "ok\n" : (path.equals(HEALTHZ) ? "not serving\n" : "not ready\n");
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
            }
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(code, -1);
                return;
            }
            exchange.sendResponseHeaders(code, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
