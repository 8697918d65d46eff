package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.testkit.FakeServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    Path node = require(node(), "node (apt-get install -y nodejs npm)");
    require(
        SDK_DIR.resolve("node_modules/openai/package.json"),
        "the openai SDK (npm ci --prefix gateway/src/test/sdk)");
    require(
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
      ProcessBuilder pb =
          new ProcessBuilder(node.toString(), "sdk.test.mjs")
              .directory(SDK_DIR.toFile())
              .redirectErrorStream(true);
      pb.environment()
          .putAll(
              Map.of(
                  "GATEWAY", "http://127.0.0.1:" + gw.port(),
                  "BUSY_GATEWAY", "http://127.0.0.1:" + busy.port(),
                  "BACKEND", "http://127.0.0.1:" + fake.port()));
      Process p = pb.start();
      String output = readAll(p, Duration.ofMinutes(2));
      System.out.println(output);
      assertEquals(0, p.exitValue(), output);
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

  private static Path node() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(d.isEmpty() ? "." : d, "node");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return Path.of("/usr/bin/node");
  }

  private static Path require(Path p, String what) {
    if (Files.exists(p)) {
      return p;
    }
    String message = "missing " + what + ": " + p + " not found";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true: the SDK test must run)");
    }
    assumeTrue(false, message + "; SDK test skipped");
    return p;
  }

  private static String readAll(Process p, Duration timeout)
      throws IOException, InterruptedException {
    StringBuilder out = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                out.append("(output lost: ").append(e).append(')');
              }
            });
    reader.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      reader.join(5000);
      fail("the SDK test did not finish within " + timeout + ":\n" + out);
    }
    reader.join(5000);
    return out.toString();
  }
}
