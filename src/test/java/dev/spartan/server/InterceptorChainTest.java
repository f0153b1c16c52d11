package dev.spartan.server;

import static dev.spartan.server.StatusMappingTest.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spartan.config.ConfigLoader;
import dev.spartan.contract.ChatIds;
import dev.spartan.contract.Headers;
import dev.spartan.contract.RetryDelay;
import dev.spartan.proto.ChatAnswer;
import dev.spartan.proto.ChatRequest;
import dev.spartan.proto.HistoryRequest;
import dev.spartan.proto.ListUsersRequest;
import dev.spartan.proto.ReceiveRequest;
import dev.spartan.proto.SendRequest;
import dev.spartan.server.InProcessNode.User;
import dev.spartan.testing.WireSession;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The interceptors in the order the node chains them: authentication outermost, then the rate limit for the
 * authenticated user, then the status mapping. With the shipped config.yaml: 3 messages per 30 s.
 */
class InterceptorChainTest {
    private static final String NOT_LOGGED_IN = "not logged in: call Auth/Login first";
    private static final String STALE_TOKEN = "session token is expired, revoked or unknown";

    private InProcessNode node;

    @BeforeEach
    void start() throws Exception {
        node = new InProcessNode(ConfigLoader.load(Path.of("config.yaml")));
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    private static Metadata authorization(String value) {
        Metadata headers = new Metadata();
        headers.put(Headers.AUTHORIZATION, value);
        return headers;
    }

    @Test
    void everySpartanCallNeedsTheTokenOfTheLatestLogin() throws Exception {
        ListUsersRequest list = ListUsersRequest.getDefaultInstance();
        assertStatus(() -> node.anonymous().listUsers(list), Status.Code.UNAUTHENTICATED, NOT_LOGGED_IN);
        assertStatus(
                () -> node.anonymous()
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(authorization("Bearer forged")))
                        .listUsers(list),
                Status.Code.UNAUTHENTICATED,
                STALE_TOKEN);
        // A server stream is refused at its first read.
        assertThatThrownBy(() -> node.anonymous()
                        .receiveMsg(ReceiveRequest.getDefaultInstance())
                        .hasNext())
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        User first = node.login("alice");
        assertThat(first.stub().listUsers(list).getUsersList()).contains("alice", "bob");
        User second = node.login("alice");
        assertStatus(() -> first.stub().listUsers(list), Status.Code.UNAUTHENTICATED, STALE_TOKEN);
        assertThat(second.stub().listUsers(list).getUsersList()).contains("alice");
    }

    @Test
    void theFourthSendIn30SecondsIsRefusedWithRetryInfoAndNotStored() {
        User alice = node.login("alice");
        User bob = node.login("bob");
        alice.stub().requestChat(ChatRequest.newBuilder().setPeer("bob").build());
        bob.stub()
                .answerChat(
                        ChatAnswer.newBuilder().setPeer("alice").setAccept(true).build());

        for (int i = 1; i <= 3; i++) {
            SendRequest m = alice.message(ChatIds.toUser("bob"), "m" + i, "alice", "bob");
            assertThat(alice.stub().sendMsg(m).getChatSeq()).isEqualTo(i);
        }
        SendRequest fourth = alice.message(ChatIds.toUser("bob"), "m4", "alice", "bob");
        assertThatThrownBy(() -> alice.stub().sendMsg(fourth))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("Rate limit reached (3 per 30s)");
                    assertThat(RetryDelay.of(e))
                            .hasValueSatisfying(
                                    d -> assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30)));
                });
        assertThat(alice.stub()
                        .history(HistoryRequest.newBuilder()
                                .setChat(ChatIds.toUser("bob"))
                                .build())
                        .getMessagesList())
                .extracting(WireSession::opaqueText)
                .containsExactly("m1", "m2", "m3");

        // The limit is per authenticated user (so authentication ran first), and only SendMsg is limited.
        assertThat(bob.stub()
                        .sendMsg(bob.message(ChatIds.toUser("alice"), "b1", "alice", "bob"))
                        .getChatSeq())
                .isEqualTo(4);
        assertThat(alice.stub().listUsers(ListUsersRequest.getDefaultInstance()).getUsersList())
                .contains("bob");
        // A caller without a token is turned away before the limit is even consulted.
        assertStatus(() -> node.anonymous().sendMsg(fourth), Status.Code.UNAUTHENTICATED, NOT_LOGGED_IN);
    }

    @Test
    void healthSaysServingWithoutALogin() {
        assertThat(HealthGrpc.newBlockingStub(node.channel())
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus())
                .isEqualTo(ServingStatus.SERVING);
    }
}
