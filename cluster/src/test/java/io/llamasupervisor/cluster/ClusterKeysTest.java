package io.llamasupervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterKeysTest {
  private final ClusterKeys keys = new ClusterKeys("prod");

  @Test
  void modelIdsWithSlashesRoundTrip() {
    String key = keys.model("gpu-1", "lmstudio-community/Qwen/qwen-q8_0");
    assertEquals(
        "/llama-supervisor/prod/nodes/gpu-1/models/lmstudio-community/Qwen/qwen-q8_0", key);
    assertEquals(
        new ClusterKeys.ModelKey("gpu-1", "lmstudio-community/Qwen/qwen-q8_0"),
        keys.parseModel(key).orElseThrow());
    assertTrue(keys.parseModel(keys.info("gpu-1")).isEmpty());
    assertTrue(keys.parseModel("/llama-supervisor/other/nodes/a/models/m").isEmpty());
  }

  @Test
  void loopbackBackendsArePublishedOnTheAdvertiseHostOthersAsTheyAre() {
    ModelRoute m =
        new ModelRoute(
            "m",
            null,
            "ready",
            List.of(
                Nodes.backend(9001, 1, BackendState.READY),
                io.llamasupervisor.registry.BackendRoute.of(
                    "10.0.0.7", 9002, 2, BackendState.STARTING, Nodes.T0, 1, 1)));
    ModelRoute out = Advertised.model(m, "gpu-1.lan");
    assertEquals(
        List.of("http://gpu-1.lan:9001", "http://10.0.0.7:9002"),
        out.backends().stream().map(b -> b.url()).toList());
    assertEquals(m, Advertised.model(m, null));
  }

  @Test
  void entriesReadBackAsTheModelTheyWere() throws Exception {
    ModelRoute m =
        new ModelRoute("a/b", "b", "ready", List.of(Nodes.backend(9001, 3, BackendState.READY)));
    byte[] v = EntryCodec.model(Nodes.table(5, m), m);
    assertEquals(m, EntryCodec.readModel(v));
  }
}
