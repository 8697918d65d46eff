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
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
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
 * The gateway against the real llama-server when {@code LLAMA_SERVER_BIN} names one (skipped
 * otherwise): a client that goes away mid-stream frees its slot, and the token meters read the
 * server's own usage and timings.
 */
class GatewayRealServerIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void clientDisconnectThroughTheGatewayCancelsTheRealServersTask() throws Exception {
    withRealServer(
        (real, gw, meters) -> {
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
        });
  }

  /** llama-server writes its rates with 17 significant digits; the meters read them exactly. */
  @Test
  void tokenMetersAreTheRealServersUsageAndTimings() throws Exception {
    withRealServer(
        (real, gw, meters) -> {
          HttpResponse<String> r =
              Http.post(gw.port(), "/v1/chat/completions", Http.chat("m", 8, false));
          assertEquals(200, r.statusCode(), r.body());
          JsonNode answer = JSON.readTree(r.body());
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> meters.find("llama.gateway.tokens.per.second").summary() != null);
          assertEquals(
              answer.at("/usage/prompt_tokens").asDouble(),
              meters.find("llama.gateway.prompt.tokens").tag("model", "m").counter().count());
          assertEquals(
              answer.at("/usage/completion_tokens").asDouble(),
              meters.find("llama.gateway.completion.tokens").tag("model", "m").counter().count());
          double rate = answer.at("/timings/predicted_per_second").asDouble();
          DistributionSummary perSecond =
              meters.find("llama.gateway.tokens.per.second").tag("model", "m").summary();
          assertEquals(1, perSecond.count());
          assertEquals(rate, perSecond.totalAmount(), Math.ulp(rate) * 4, r.body());
        });
  }

  private interface WithGateway {
    void run(FakeServerProcess real, GatewayServer gw, MeterRegistry meters) throws Exception;
  }

  /** The real llama-server on the tiny model (one slot), and a gateway routing model m to it. */
  private void withRealServer(WithGateway body) throws Exception {
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
      MeterRegistry meters = new SimpleMeterRegistry();
      try (GatewayServer gw =
          new GatewayServer(
                  GatewayOptions.builder().port(0).build(),
                  registry::subscribe,
                  ModelDirectory.NONE,
                  ModelStarter.NONE,
                  meters)
              .start()) {
        body.run(real, gw, meters);
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
