package dev.spartan.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.auth.Principal;
import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.ListUsersResponse;
import dev.spartan.proto.SendAck;
import dev.spartan.proto.SendRequest;
import dev.spartan.proto.SpartanGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateLimitInterceptorTest {

    private static final Metadata.Key<String> TEST_USER =
            Metadata.Key.of("x-test-user", Metadata.ASCII_STRING_MARSHALLER);

    /** The real service's shape: SendMsg limited, ListUsers not. */
    static class ChatService extends SpartanGrpc.SpartanImplBase {
        @Override
        @RateLimit
        public void sendMsg(SendRequest request, StreamObserver<SendAck> responseObserver) {
            responseObserver.onNext(
                    SendAck.newBuilder().setMessageId(request.getMessageId()).build());
            responseObserver.onCompleted();
        }

        @Override
        public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> responseObserver) {
            responseObserver.onNext(
                    ListUsersResponse.newBuilder().addUsers(Principal.current()).build());
            responseObserver.onCompleted();
        }
    }

    /** Stands in for the auth interceptor: trusts a header, which only a test may do. */
    static final class TestAuth implements ServerInterceptor {
        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            String user = headers.get(TEST_USER);
            Context ctx = user == null ? Context.current() : Context.current().withValue(Principal.USER, user);
            return Contexts.interceptCall(ctx, call, headers, next);
        }
    }

    private Server server;
    private ManagedChannel channel;
    private RateLimitInterceptor interceptor;

    @BeforeEach
    void start() throws IOException {
        ChatService service = new ChatService();
        RateLimiter limiter = new LocalRateLimiter(RateLimitConfig.perThirtySeconds(3));
        interceptor = new RateLimitInterceptor(Map.of("messages", limiter), service);
        // ServerInterceptors.intercept runs the last interceptor first: auth, then the rate limit.
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(service, interceptor, new TestAuth()))
                .build()
                .start();
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                .build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private SpartanGrpc.SpartanBlockingStub as(String user) {
        Metadata md = new Metadata();
        md.put(TEST_USER, user);
        return SpartanGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    private static SendRequest msg(String id) {
        return SendRequest.newBuilder().setMessageId(id).build();
    }

    @Test
    void findsTheAnnotatedGrpcMethod() {
        assertThat(interceptor.limitedMethods()).containsExactly("spartan.v1.Spartan/SendMsg");
    }

    @Test
    void annotatedMethodIsLimitedWithRetryInfo() {
        SpartanGrpc.SpartanBlockingStub alice = as("alice");
        for (int i = 0; i < 3; i++) {
            assertThat(alice.sendMsg(msg("m" + i)).getMessageId()).isEqualTo("m" + i);
        }
        assertThatThrownBy(() -> alice.sendMsg(msg("m3"))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).isEqualTo("Rate limit reached (3 per 30s)");
            assertThat(RetryDelay.of(e))
                    .hasValueSatisfying(d -> assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30)));
        });
    }

    @Test
    void unannotatedMethodIsNeverLimited() {
        SpartanGrpc.SpartanBlockingStub alice = as("alice");
        for (int i = 0; i < 20; i++) {
            assertThat(alice.listUsers(ListUsersRequest.getDefaultInstance()).getUsersList())
                    .containsExactly("alice");
        }
        for (int i = 0; i < 3; i++) {
            alice.sendMsg(msg("m" + i)); // listing did not use up the message budget
        }
    }

    @Test
    void usersAreLimitedIndependently() {
        for (int i = 0; i < 3; i++) {
            as("alice").sendMsg(msg("a" + i));
        }
        assertThatThrownBy(() -> as("alice").sendMsg(msg("a3"))).isInstanceOf(StatusRuntimeException.class);
        for (int i = 0; i < 3; i++) {
            assertThat(as("bob").sendMsg(msg("b" + i)).getMessageId()).isEqualTo("b" + i);
        }
    }

    @Test
    void retryDelayIsEmptyForOtherErrors() {
        assertThat(RetryDelay.of(new StatusRuntimeException(Status.UNAVAILABLE)))
                .isEmpty();
        assertThat(RetryDelay.of(new IllegalStateException())).isEmpty();
        assertThat(RetryDelay.of(null)).isEmpty();
    }

    @Test
    void failingLimiterRejectsWithUnavailable() throws Exception {
        ChatService service = new ChatService();
        RateLimiter broken = new RateLimiter() {
            @Override
            public Decision tryAcquire(String key) {
                throw new RateLimiterUnavailableException("down", null);
            }

            @Override
            public RateLimitConfig config() {
                return RateLimitConfig.perThirtySeconds(3);
            }
        };
        Server other = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(
                        service, new RateLimitInterceptor(Map.of("messages", broken), service), new TestAuth()))
                .build()
                .start();
        ManagedChannel ch = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", other.getPort(), InsecureChannelCredentials.create())
                .build();
        try {
            Metadata md = new Metadata();
            md.put(TEST_USER, "alice");
            SpartanGrpc.SpartanBlockingStub stub =
                    SpartanGrpc.newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
            assertThatThrownBy(() -> stub.sendMsg(msg("x")))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static class Typo extends SpartanGrpc.SpartanImplBase {
        @RateLimit
        public void sendMessage(SendRequest request, StreamObserver<SendAck> responseObserver) {}
    }

    static class UnknownPolicy extends SpartanGrpc.SpartanImplBase {
        @Override
        @RateLimit("logins")
        public void sendMsg(SendRequest request, StreamObserver<SendAck> responseObserver) {}
    }

    @Test
    void misconfigurationFailsAtStartup() {
        Map<String, RateLimiter> limiters =
                Map.of("messages", new LocalRateLimiter(RateLimitConfig.perThirtySeconds(3)));
        assertThatThrownBy(() -> new RateLimitInterceptor(limiters, new Typo()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sendMessage");
        assertThatThrownBy(() -> new RateLimitInterceptor(limiters, new UnknownPolicy()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logins");
        assertThatThrownBy(() -> new RateLimitInterceptor(limiters, new Object()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BindableService");
    }

    @Test
    void callsWithoutAUserPassThrough() {
        SpartanGrpc.SpartanBlockingStub anonymous = SpartanGrpc.newBlockingStub(channel);
        for (int i = 0; i < 5; i++) {
            anonymous.sendMsg(msg("anon" + i));
        }
    }
}
