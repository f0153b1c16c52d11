package dev.spartan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeMetricsTest {
    @Test
    void buildInfoNamesTheVersionAndTheStoreLayout() {
        try (NodeMetrics metrics = new NodeMetrics(2)) {
            assertThat(metrics.scrape()).contains("spartan_build_info{layout=\"2\",version=\"dev\"} 1");
        }
    }
}
