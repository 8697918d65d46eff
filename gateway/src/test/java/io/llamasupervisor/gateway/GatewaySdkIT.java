package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.testkit.FakeServerProcess;
import io.llamasupervisor.testkit.NodeScript;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official npm SDKs ({@code openai}, {@code @anthropic-ai/sdk}) against the gateway, unchanged:
 * completions and streams, the error shapes (404 {@code model_not_found}, 429 {@code queue_full}
 * with {@code Retry-After}, 503 for a stopped model), and aborts that leave the backend's slot idle
 * within 2 s. The checks are in {@code src/test/sdk/sdk.test.mjs}; {@code .ci/run} installs the
 * SDKs ({@code npm ci --prefix gateway/src/test/sdk}). Without node or the SDKs the test is
 * skipped, and it fails when {@code CI=true}.
 */
class GatewaySdkIT {
  private static final Path SDK_DIR = Path.of("src/test/sdk");
  private static final String MODEL = "sdk-model";

  @TempDir Path dir;

  @Test
  void theOpenAiAndAnthropicSdksWorkAgainstTheGateway() throws Exception {
    Path node = require(NodeScript.node(), Path.of("node"), "node (apt-get install -y nodejs npm)");
    requireFile(
        SDK_DIR.resolve("node_modules/openai/package.json"),
        "the openai SDK (npm ci --prefix gateway/src/test/sdk)");
    requireFile(
        SDK_DIR.resolve("node_modules/@anthropic-ai/sdk/package.json"),
        "the Anthropic SDK (npm ci --prefix gateway/src/test/sdk)");
    Path model = GgufWriter.llama(2048, 128, 4, 2, 2).write(dir.resolve("tiny.gguf"));
    ModelDirectory directory =
        () ->
            List.of(
                new ModelInfo(
                    "stopped-model",
                    "stopped-model",
                    "stopped",
                    "OPERATOR_STOP",
                    "stopped by an operator",
                    2048,
                    1,
                    StartMode.ALWAYS,
                    null),
                ModelInfo.of(MODEL, MODEL, "ready"));
    try (FakeServerProcess fake =
            FakeServerProcess.start(
                List.of("-m", model.toString(), "-c", "4096", "-np", "2"),
                Map.of("FAKE_LLAMA_TOKEN_MS", "10"));
        RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
        RoutingRegistry busyRegistry = new RoutingRegistry(Clock.systemUTC());
        GatewayServer gw =
            new GatewayServer(
                GatewayOptions.builder().port(0).build(),
                registry::subscribe,
                directory,
                ModelStarter.NONE,
                new SimpleMeterRegistry());
        GatewayServer busy =
            new GatewayServer(
                GatewayOptions.builder().port(0).queue(0, Duration.ofSeconds(30)).build(),
                busyRegistry::subscribe,
                ModelDirectory.NONE,
                ModelStarter.NONE,
                new SimpleMeterRegistry())) {
      fake.awaitHealthy(Duration.ofSeconds(30));
      registry.update(b -> b.put(route(fake.port(), 2)));
      busyRegistry.update(b -> b.put(route(fake.port(), 1)));
      gw.start();
      busy.start();
      NodeScript.Result run =
          NodeScript.run(
              node,
              SDK_DIR,
              "sdk.test.mjs",
              Map.of(
                  "GATEWAY", "http://127.0.0.1:" + gw.port(),
                  "BUSY_GATEWAY", "http://127.0.0.1:" + busy.port(),
                  "BACKEND", "http://127.0.0.1:" + fake.port()),
              Duration.ofMinutes(2));
      String output = run.output();
      System.out.println(output);
      assertEquals(0, run.exit(), output);
      assertTrue(output.contains("[sdk-test] PASS"), output);
      for (String check :
          List.of(
              "openai chat stream",
              "openai 404 model_not_found",
              "openai 429 queue_full",
              "openai 503 stopped model",
              "openai stream abort frees the slot",
              "openai non-streaming abort frees the slot",
              "anthropic stream",
              "anthropic 404",
              "anthropic stream abort frees the slot")) {
        assertTrue(output.contains("[sdk-test] ok " + check), check + " missing:\n" + output);
      }
    }
  }

  private static ModelRoute route(int port, int slots) {
    return new ModelRoute(
        MODEL,
        MODEL,
        "ready",
        List.of(
            BackendRoute.of(
                "127.0.0.1", port, 1, BackendState.READY, Instant.now(), slots, slots)));
  }

  /** The path when it exists; otherwise the test is skipped, or fails when {@code CI=true}. */
  private static Path require(Optional<Path> found, Path expected, String what) {
    if (found.filter(Files::exists).isPresent()) {
      return found.get();
    }
    String message = "missing " + what + ": " + expected + " not found";
    assertFalse("true".equalsIgnoreCase(System.getenv("CI")), message + " (CI=true: must run)");
    assumeTrue(false, message + "; SDK test skipped");
    return expected;
  }

  private static void requireFile(Path p, String what) {
    require(Optional.of(p), p, what);
  }
}
