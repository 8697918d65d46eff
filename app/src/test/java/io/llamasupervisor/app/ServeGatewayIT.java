package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} runs the gateway in-process (its meters on the API's {@code /metrics}), and {@code
 * gateway --registry} runs one alone in front of it.
 */
class ServeGatewayIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String CHAT =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}";

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      p.destroy();
    }
    for (Process p : started) {
      if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Process run(String name, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-jar");
    cmd.add(Path.of("target/llama-supervisor.jar").toAbsolutePath().toString());
    cmd.addAll(args);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    started.add(p);
    return p;
  }

  private String log(String name) {
    try {
      return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static HttpResponse<String> post(int port, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void serveRoutesThroughItsGatewayAndAStandaloneGatewayFollowsIt() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("pub/repo/m.gguf"));
    Path binary = FakeLlamaServer.installExecutable(dir.resolve("bin"));
    int api = freePort();
    int gw = freePort();
    int first = 20000 + ThreadLocalRandom.current().nextInt(120) * 100;
    run(
        "serve",
        List.of(
            "serve",
            "--models-dir",
            models.toString(),
            "--llama-server",
            binary.toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--port",
            Integer.toString(api),
            "--gateway-port",
            Integer.toString(gw),
            "--supervisor.ports=" + first + "-" + (first + 50),
            "--supervisor.catalog.poll-interval=100ms",
            "--supervisor.catalog.stable-after=100ms"));
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> post(gw, CHAT).statusCode() == 200);
    HttpResponse<String> r = post(gw, CHAT);
    assertEquals(200, r.statusCode(), r.body() + log("serve"));
    assertTrue(r.headers().firstValue("x-backend-generation").isPresent());
    JsonNode list = JSON.readTree(get(gw, "/v1/models").body());
    assertEquals("pub/repo/m", list.path("data").get(0).path("id").asText(), list.toString());
    assertEquals("ready", list.path("data").get(0).path("llama_supervisor").path("state").asText());
    String metrics = get(api, "/metrics").body();
    assertTrue(
        metrics.contains("llama_gateway_requests_total{model=\"pub/repo/m\",status=\"200\"}"),
        metrics);

    int alone = freePort();
    run(
        "gateway",
        List.of(
            "gateway", "--registry", "http://127.0.0.1:" + api, "--port", Integer.toString(alone)));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> post(alone, CHAT).statusCode() == 200);
    assertEquals(
        "ready",
        JSON.readTree(get(alone, "/v1/models/m").body())
            .path("llama_supervisor")
            .path("state")
            .asText(),
        log("gateway"));
  }
}
