package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.api.ApiServer;
import io.llamasupervisor.api.ApiSettings;
import io.llamasupervisor.bench.SwapBench;
import io.llamasupervisor.bench.SwapBenchOptions;
import io.llamasupervisor.bench.SwapBenchReport;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.supervisor.supervise.FleetHarness;
import io.llamasupervisor.supervisor.supervise.LlamaServerBinary;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The happy path and the zero-downtime swap against a real llama-server and the tiny fixture model.
 * Opt-in: runs only when {@code LLAMA_SERVER_BIN} names a llama-server binary.
 */
@EnabledIfEnvironmentVariable(named = "LLAMA_SERVER_BIN", matches = ".+")
class RealLlamaServerIT {
  private static final String ID = "pub/repo/tiny-llama-f16";
  private static final Duration LONG = Duration.ofSeconds(60);

  @TempDir Path dir;
  FleetHarness h;
  ApiServer api;

  @BeforeEach
  void setUp() throws IOException {
    h = new FleetHarness(dir);
    Path target = h.models.resolve(ID + ".gguf");
    Files.createDirectories(target.getParent());
    try (InputStream in = getClass().getResourceAsStream("/fixtures/tiny-llama-f16.gguf")) {
      Files.copy(in, target);
    }
  }

  @AfterEach
  void tearDown() {
    if (api != null) {
      api.close();
    }
    h.close();
  }

  private void startReal(String... overrides) throws IOException {
    String[] all = new String[overrides.length + 3];
    all[0] = "supervisor.supervision.liveness.interval=2s";
    all[1] = "supervisor.supervision.liveness.timeout=1s";
    all[2] = "supervisor.supervision.liveness.failure-threshold=3";
    System.arraycopy(overrides, 0, all, 3, overrides.length);
    h.start(LlamaServerBinary.resolve(System.getenv("LLAMA_SERVER_BIN"), Map.of()), all);
  }

  @Test
  void servesCompletionsAndLeavesNothingBehind() throws Exception {
    startReal();
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    long pid = ready.instances().get(0).pid();
    BackendRoute backend = h.routes.current().model(ID).orElseThrow().readyBackends().get(0);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(backend.url() + "/v1/chat/completions"))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                                + "\"max_tokens\":4}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"model\":\"" + ID + "\""), r.body());
    h.close();
    await().atMost(LONG).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void swapsUnderLoadLoseNothing() throws Exception {
    startReal("supervisor.supervision.drain.linger=1s", "supervisor.defaults.parallel=16");
    h.awaitState(ID, "ready", LONG);
    api =
        ApiServer.start(
            h.fleet, h.routes, new ApiSettings("127.0.0.1", 0, List.of(), false), Map.of());
    SwapBenchReport report =
        SwapBench.run(
            SwapBenchOptions.builder(api.uri(), ID)
                .clients(16)
                .swaps(5)
                .interval(Duration.ofMillis(500))
                .drainLinger(Duration.ofSeconds(1))
                .streams(Duration.ofSeconds(1), Duration.ofSeconds(3))
                .seed(11)
                .build());
    System.out.println(report.toText());
    assertEquals(0, report.failures(), report.toText());
    assertEquals(report.streams(), report.streamsComplete(), report.toText());
    assertEquals(0, report.lateAfterLinger(), report.toText());
    assertTrue(report.passed(), report.toText());
  }
}
