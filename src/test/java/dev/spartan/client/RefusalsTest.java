package dev.spartan.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefusalsTest {
    @Test
    void aLoginThatTimedOutSaysSoInWordsNotInGrpcsConnectionDump() {
        String line = Refusals.connectFailure(
                Status.DEADLINE_EXCEEDED
                        .withDescription("CallOptions deadline exceeded after 9.86s. Name resolution delay 0.001 s")
                        .asRuntimeException(),
                List.of("localhost:7000"));
        assertThat(line)
                .isEqualTo("Spartan Server at localhost:7000 did not answer the login in time (it or this machine is"
                        + " overloaded, or the network is slow); try again.");
        assertThat(Refusals.connectFailure(
                        Status.PERMISSION_DENIED.withDescription("no").asRuntimeException(), List.of("h:1")))
                .isEqualTo("Login refused: no");
    }
}
