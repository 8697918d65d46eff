package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
  private JarLauncher launcher;

  @BeforeEach
  void setUp() {
    launcher = new JarLauncher(dir);
  }

  @AfterEach
  void tearDown() throws Exception {
    launcher.close();
  }

  private String log(String name) {
    return launcher.log(name);
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
    int gw = JarLauncher.freePort();
    int api =
        launcher
            .serve(
                "serve",
                models,
                binary,
                dir.resolve("state"),
                List.of("--gateway-port", Integer.toString(gw)))
            .apiPort();
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

    int alone = JarLauncher.freePort();
    launcher.run(
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
