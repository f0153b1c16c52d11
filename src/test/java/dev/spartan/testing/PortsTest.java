package dev.spartan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A port handed out once is never handed out again in this build, though the kernel would offer it again. */
class PortsTest {
    @Test
    void noPortIsHandedOutTwice() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            assertThat(seen.add(Ports.free())).as("handed out twice").isTrue();
        }
        assertThat(java.nio.file.Path.of("target", "test-ports")).isDirectory();
    }
}
