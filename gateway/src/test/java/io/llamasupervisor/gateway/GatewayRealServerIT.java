package io.llamasupervisor.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.testkit.FakeServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disconnect contract against the real llama-server when {@code LLAMA_SERVER_BIN} names one
 * (skipped otherwise): a client that goes away mid-stream through the gateway frees its slot.
 */
class GatewayRealServerIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void clientDisconnectThroughTheGatewayCancelsTheRealServersTask() throws Exception {
    String bin = System.getenv("LLAMA_SERVER_BIN");
    assumeTrue(
        bin != null && Files.isExecutable(Path.of(bin)),
        "LLAMA_SERVER_BIN does not name a llama-server binary; skipped");
    // the real tiny llama model (gguf's test-jar): a header-only file does not load in llama-server
    Path model = dir.resolve("tiny-llama-f16.gguf");
    try (var in = getClass().getResourceAsStream("/fixtures/tiny-llama-f16.gguf")) {
      Files.copy(java.util.Objects.requireNonNull(in, "fixture tiny-llama-f16.gguf"), model);
    }
    try (FakeServerProcess real =
            FakeServerProcess.start(
                a -> {
                  List<String> cmd = new ArrayList<>();
                  cmd.add(bin);
                  cmd.addAll(a);
                  return cmd;
                },
                List.of("-m", model.toString(), "-c", "1024", "-np", "1", "--context-shift"),
                Map.of(),
                dir);
        RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC())) {
      real.awaitHealthy(Duration.ofSeconds(60));
      registry.update(
          b ->
              b.put(
                  new ModelRoute(
                      "m",
                      "m",
                      "ready",
                      List.of(
                          BackendRoute.of(
                              "127.0.0.1",
                              real.port(),
                              1,
                              BackendState.READY,
                              Instant.now(),
                              1,
                              1)))));
      try (GatewayServer gw =
          new GatewayServer(
                  GatewayOptions.builder().port(0).build(),
                  registry::subscribe,
                  ModelDirectory.NONE,
                  ModelStarter.NONE,
                  new SimpleMeterRegistry())
              .start()) {
        RawClient c = new RawClient(gw.port());
        c.post("/v1/chat/completions", Http.chat("m", -1, true)).head();
        assertEquals(200, c.status);
        assertNotNull(c.nextEvent());
        long closed = System.nanoTime();
        c.close();
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> idle(real));
        System.out.printf(
            "real llama-server: slot idle %.0f ms after the client closed%n",
            (System.nanoTime() - closed) / 1e6);
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> real.stderr().contains("cancel task, id_task ="));
      }
    }
  }

  private static boolean idle(FakeServerProcess p) {
    try {
      for (JsonNode s : JSON.readTree(p.get("/slots").body())) {
        if (s.path("is_processing").asBoolean()) {
          return false;
        }
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
