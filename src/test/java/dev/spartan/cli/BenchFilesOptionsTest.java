package dev.spartan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bench --files --file-size SIZE --cut-at SHARE}: sizes as people write them, and a bad value refused. */
class BenchFilesOptionsTest {
    @Test
    void sizesTakeBytesOrKMG() {
        assertThat(BenchCommand.parseSize("1g")).isEqualTo(1L << 30);
        assertThat(BenchCommand.parseSize("64M")).isEqualTo(64L << 20);
        assertThat(BenchCommand.parseSize("512k")).isEqualTo(512L << 10);
        assertThat(BenchCommand.parseSize("65536")).isEqualTo(65536);
        assertThat(BenchCommand.parseSize("1 GB")).isEqualTo(-1);
        assertThat(BenchCommand.parseSize("-5")).isEqualTo(-1);
    }

    @Test
    void aBadSizeOrShareExitsWith2BeforeAnythingStarts() {
        assertThat(new CommandLine(new BenchCommand()).execute("--files", "--cut-at", "1"))
                .isEqualTo(2);
        assertThat(new CommandLine(new BenchCommand()).execute("--files", "--cut-at", "-0.1"))
                .isEqualTo(2);
        assertThat(new CommandLine(new BenchCommand()).execute("--files", "--file-size", "lots"))
                .isEqualTo(2);
        assertThat(new CommandLine(new BenchCommand()).execute("--files", "--file-size", "0"))
                .isEqualTo(2);
    }
}
