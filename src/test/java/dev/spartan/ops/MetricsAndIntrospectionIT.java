package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonParser;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.Event;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SendResult;
import dev.spartan.testing.OneServerTest;
import dev.spartan.testing.Ports;
import dev.spartan.testing.Scrape;
import dev.spartan.testing.SpartanJar;
import dev.spartan.testing.TlsChannels;
import dev.spartan.testing.WireSession;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator's tools see of a running node, with real clients of each protocol: a reflection client lists
 * the services (v1 and v1alpha), a health client and the {@code spartan health} command get SERVING per service, and
 * a Prometheus scrape over HTTP after real traffic counts exactly what was sent.
 */
class MetricsAndIntrospectionIT extends OneServerTest {
    private final int metricsPort = Ports.free();
    private ManagedChannel channel;

    @Override
    protected String[] serverArgs() {
        return new String[] {"--rate-limit", "5/30", "--metrics-port", String.valueOf(metricsPort)};
    }

    @BeforeEach
    void connect() {
        channel = TlsChannels.firstUse(server.port());
    }

    @AfterEach
    void disconnect() {
        channel.shutdownNow();
    }

    @Test
    void reflectionV1ListsTheServicesAndDescribesThem() throws Exception {
        var listed = new CompletableFuture<List<String>>();
        var described = new CompletableFuture<FileDescriptorProto>();
        var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                        if (r.hasListServicesResponse()) {
                            listed.complete(r.getListServicesResponse().getServiceList().stream()
                                    .map(io.grpc.reflection.v1.ServiceResponse::getName)
                                    .toList());
                        } else if (r.hasFileDescriptorResponse()) {
                            try {
                                described.complete(FileDescriptorProto.parseFrom(
                                        r.getFileDescriptorResponse().getFileDescriptorProto(0)));
                            } catch (Exception e) {
                                described.completeExceptionally(e);
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        listed.completeExceptionally(t);
                        described.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                .setListServices("")
                .build());
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("spartan.v1.Spartan")
                .build());
        assertThat(listed.get(20, TimeUnit.SECONDS))
                .contains(
                        "spartan.v1.Spartan",
                        "spartan.v1.Auth",
                        "grpc.health.v1.Health",
                        "grpc.reflection.v1.ServerReflection");
        FileDescriptorProto file = described.get(20, TimeUnit.SECONDS);
        assertThat(file.getPackage()).isEqualTo("spartan.v1");
        assertThat(file.getServiceList())
                .filteredOn(s -> s.getName().equals("Spartan"))
                .singleElement()
                .satisfies(s -> assertThat(s.getMethodList())
                        .extracting(m -> m.getName())
                        .contains("ReceiveMsg", "SendMsg", "Ack"));
        requests.onCompleted();
    }

    @Test
    void reflectionV1alphaListsTheServices() throws Exception {
        var listed = new CompletableFuture<List<String>>();
        var requests = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse r) {
                        listed.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
                                .toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        listed.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                .setListServices("")
                .build());
        assertThat(listed.get(20, TimeUnit.SECONDS)).contains("spartan.v1.Spartan", "spartan.v1.Auth");
        requests.onCompleted();
    }

    @Test
    void healthIsServingPerServiceAndTheHealthCommandSaysSo() throws Exception {
        var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (String service : List.of("", "spartan.v1.Spartan", "spartan.v1.Auth")) {
            assertThat(health.check(HealthCheckRequest.newBuilder()
                                    .setService(service)
                                    .build())
                            .getStatus())
                    .as(service)
                    .isEqualTo(ServingStatus.SERVING);
        }
        assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder()
                        .setService("no.such.Service")
                        .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

        Process probe = SpartanJar.command(
                        "health",
                        "--port",
                        String.valueOf(server.port()),
                        "--data",
                        server.dataDir().toString(),
                        "--service",
                        "spartan.v1.Auth")
                .redirectErrorStream(true)
                .start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.strip()).isEqualTo("SERVING");
        assertThat(probe.exitValue()).isZero();
    }

    @Test
    void aScrapeAfterRealTrafficCountsExactlyWhatWasSent() throws Exception {
        try (WireSession alice = WireSession.login("alice", keys().resolve("alice"), server.port());
                WireSession bob = WireSession.login("bob", keys().resolve("bob"), server.port())) {
            BlockingQueue<Event> bobSees = new LinkedBlockingQueue<>();
            bob.asyncStub().receiveMsg(ReceiveRequest.getDefaultInstance(), new StreamObserver<>() {
                @Override
                public void onNext(Event e) {
                    if (e.hasMessage()) {
                        bobSees.add(e);
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            });
            alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
            // The limit is 5 per 30 s: 2 held before bob accepts, 2 delivered, 1 resend (given back: not counted), a
            // fifth delivered, then 2 refused.
            assertThat(alice.sendTo("bob", "held one").getHeld()).isTrue();
            assertThat(alice.sendTo("bob", "held two").getHeld()).isTrue();
            bob.stub()
                    .answerChat(ChatAnswer.newBuilder()
                            .setPeer("alice")
                            .setAccept(true)
                            .build());
            alice.sendTo("bob", "three");
            SendRequest four = alice.message(dev.spartan.contract.ChatIds.toUser("bob"), "four", "bob");
            assertThat(alice.send(four).getDuplicate()).isFalse();
            SendAck again = alice.send(four);
            assertThat(again.getDuplicate()).isTrue();
            alice.sendTo("bob", "five");
            List<Status.Code> refused = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                try {
                    alice.sendTo("bob", "over the limit");
                } catch (StatusRuntimeException e) {
                    refused.add(e.getStatus().getCode());
                }
            }
            assertThat(refused).containsExactly(Status.Code.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED);
            await().atMost(Duration.ofSeconds(30)).until(() -> bobSees.size() == 5);

            Scrape scrape = Scrape.of(metricsPort);
            assertThat(scrape.value("spartan_messages_accepted_total")).hasValue(5);
            assertThat(scrape.value("spartan_messages_held_total")).hasValue(2);
            assertThat(scrape.value("spartan_messages_duplicate_total")).hasValue(1);
            assertThat(scrape.value("spartan_messages_delivered_total")).hasValue(5);
            assertThat(scrape.value("spartan_delivery_lag_seconds_count")).hasValue(5);
            assertThat(scrape.value("spartan_rate_limit_refusals_total", "grpc_method=\"SendMsg\""))
                    .hasValue(2);
            assertThat(scrape.value(
                            "grpc_server_handling_seconds_count", "grpc_method=\"SendMsg\"", "grpc_code=\"OK\""))
                    .hasValue(6);
            assertThat(scrape.value(
                            "grpc_server_handling_seconds_count",
                            "grpc_method=\"SendMsg\"",
                            "grpc_code=\"RESOURCE_EXHAUSTED\""))
                    .hasValue(2);
            assertThat(scrape.value("grpc_server_handling_seconds_count", "grpc_method=\"Login\"", "grpc_code=\"OK\""))
                    .hasValue(2);
            assertThat(scrape.value(
                            "grpc_server_handling_seconds_bucket",
                            "grpc_method=\"SendMsg\"",
                            "grpc_code=\"OK\"",
                            "le=\"+Inf\""))
                    .hasValue(6);
            // the store's own count of saves (every send is a saveAsync, timed to its commit): the 5 accepted and the
            // resend, which the store recognised
            assertThat(scrape.value("spartan_store_operation_seconds_count", "operation=\"saveAsync\""))
                    .hasValue(6);
            assertThat(scrape.value("spartan_streams_open")).hasValue(1);
            assertThat(scrape.value("spartan_users_logged_in")).hasValue(2);
            assertThat(scrape.value("spartan_store_available")).hasValue(1);
            assertThat(scrape.value("spartan_rate_limit_degraded")).hasValue(0);
            assertThat(scrape.value("jvm_memory_used_bytes", "area=\"heap\"")).isPresent();
            assertThat(scrape.value("process_cpu_usage")).isPresent();
            assertThat(scrape.value("process_files_open_files")).isPresent();
            // after this traffic every series exists (some appear with their first call, refusal or save)
            dashboardAndAlertsAskOnlyForMetricsTheNodeExports();

            // The same counters over SendStream, which the clients use: charlie's message to eve, who has not
            // accepted, is held; the same id again is a duplicate.
            try (WireSession charlie = WireSession.login("charlie", keys().resolve("charlie"), server.port())) {
                charlie.stub()
                        .requestChat(ChatRequest.newBuilder().setPeer("eve").build());
                BlockingQueue<SendResult> results = new LinkedBlockingQueue<>();
                StreamObserver<SendRequest> stream = charlie.asyncStub().sendStream(new StreamObserver<>() {
                    @Override
                    public void onNext(SendResult r) {
                        results.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
                SendRequest held = charlie.message(dev.spartan.contract.ChatIds.toUser("eve"), "held", "eve");
                stream.onNext(held);
                assertThat(results.poll(20, TimeUnit.SECONDS).getAck().getHeld())
                        .isTrue();
                stream.onNext(held);
                assertThat(results.poll(20, TimeUnit.SECONDS).getAck().getDuplicate())
                        .isTrue();
                stream.onCompleted();
            }
            Scrape after = Scrape.of(metricsPort);
            assertThat(after.value("spartan_messages_held_total")).hasValue(3);
            assertThat(after.value("spartan_messages_duplicate_total")).hasValue(2);
            assertThat(after.value("spartan_messages_accepted_total")).hasValue(6);
        }
    }

    /** The names every sample of a scrape has, e.g. spartan_delivery_lag_seconds_bucket. */
    private Set<String> sampleNames() throws Exception {
        String body = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return body.lines()
                .filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0])
                .collect(Collectors.toSet());
    }

    /** deploy/grafana's dashboard and deploy/prometheus's alerts, against this node's scrape. */
    private void dashboardAndAlertsAskOnlyForMetricsTheNodeExports() throws Exception {
        Set<String> exported = sampleNames();
        List<String> exprs = new ArrayList<>();
        JsonParser.parseString(Files.readString(Path.of("deploy/grafana/spartan-dashboard.json")))
                .getAsJsonObject()
                .getAsJsonArray("panels")
                .forEach(panel -> panel.getAsJsonObject()
                        .getAsJsonArray("targets")
                        .forEach(t -> exprs.add(t.getAsJsonObject().get("expr").getAsString())));
        Files.readAllLines(AlertRulesTest.RULES).stream()
                .map(String::trim)
                .filter(l -> l.startsWith("expr: "))
                .forEach(l -> exprs.add(l.substring(6)));
        assertThat(exprs).hasSizeGreaterThan(20);
        Pattern metric = Pattern.compile("\\b(?:spartan|grpc|jvm|process|system|disk)_[a-z0-9_]+\\b");
        Set<String> asked = new java.util.TreeSet<>();
        for (String expr : exprs) {
            // not label names or values
            Matcher m =
                    metric.matcher(expr.replaceAll("\\{[^}]*}", "{}").replaceAll("\\b(by|without) \\([^)]*\\)", ""));
            while (m.find()) {
                asked.add(m.group());
            }
            // the one series Prometheus makes itself
            assertThat(expr.replaceAll("\\bup\\{job=\"spartan\"}", "")).doesNotContainPattern("\\bup\\b");
        }
        assertThat(asked)
                .contains("spartan_delivery_lag_seconds_bucket", "disk_free_bytes", "spartan_store_errors_total");
        assertThat(exported).containsAll(asked);
    }
}
