package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.io.IOException;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

  /**
   * Starts {@code serve} with one model {@code pub/repo/m} on the fake and the gateway on {@code
   * gw}; returns the API's port.
   */
  private int serve(int gw, String... extra) throws IOException {
    Path models = Files.createDirectories(dir.resolve("models"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("pub/repo/m.gguf"));
    Path binary = FakeLlamaServer.installExecutable(dir.resolve("bin"));
    List<String> args = new ArrayList<>(List.of("--gateway-port", Integer.toString(gw)));
    args.addAll(List.of(extra));
    return launcher.serve("serve", models, binary, dir.resolve("state"), args).apiPort();
  }

  @Test
  void serveRoutesThroughItsGatewayAndAStandaloneGatewayFollowsIt() throws Exception {
    int gw = JarLauncher.freePort();
    int api = serve(gw);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> post(gw, CHAT).statusCode() == 200);
    HttpResponse<String> r = post(gw, CHAT);
    assertEquals(200, r.statusCode(), r.body() + launcher.log("serve"));
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
        launcher.log("gateway"));
    // the standalone gateway has no API beside it: it serves its own /metrics
    HttpResponse<String> own = get(alone, "/metrics");
    assertEquals(200, own.statusCode(), own.body());
    assertTrue(
        own.body().contains("llama_gateway_requests_total{model=\"pub/repo/m\",status=\"200\"}"),
        own.body());
  }

  /**
   * In {@code serve}, the gateway starts an on-demand model through the fleet (many first requests,
   * one instance), and a restart while a stream runs through the gateway loses nothing: the old
   * generation drains while the gateway counts the stream in flight to it, and stops only after.
   */
  @Test
  void onDemandStartsOnceThroughTheFleetAndTheDrainWaitsForTheGatewaysStream() throws Exception {
    int gw = JarLauncher.freePort();
    int api =
        serve(
            gw,
            "--supervisor.defaults.start=on-demand",
            "--supervisor.defaults.env.FAKE_LLAMA_LOAD_MS=1000",
            "--supervisor.defaults.env.FAKE_LLAMA_TOKEN_MS=20",
            "--supervisor.supervision.drain.linger=200ms");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> model(api).path("state").asText().equals("idle"));
    assertTrue(model(api).path("instances").isEmpty(), model(api).toString());

    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<HttpResponse<String>>> firsts = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        firsts.add(pool.submit(() -> post(gw, CHAT)));
      }
      for (Future<HttpResponse<String>> f : firsts) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body() + launcher.log("serve"));
      }
      JsonNode started = model(api);
      assertEquals(1, started.path("instances").size(), started.toString());
      assertEquals(1, started.path("instances").get(0).path("generation").asInt());
      String oldUrl = started.path("instances").get(0).path("url").asText();

      // a 12 s stream through the gateway, then a restart while it runs
      HttpRequest streamRequest =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw + "/v1/chat/completions"))
              .timeout(Duration.ofSeconds(60))
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                          + "\"max_tokens\":600,\"stream\":true}"))
              .build();
      HttpResponse<java.io.InputStream> streaming =
          HTTP.send(streamRequest, HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, streaming.statusCode());
      java.io.BufferedReader lines =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(streaming.body(), StandardCharsets.UTF_8));
      assertTrue(lines.readLine().startsWith("data: "));
      Future<String> rest =
          pool.submit(
              () -> {
                StringBuilder sb = new StringBuilder();
                String line;
                while ((line = lines.readLine()) != null) {
                  sb.append(line).append('\n');
                }
                return sb.toString();
              });
      HttpResponse<String> restart =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + api + "/api/v1/models/pub/repo/m/restart"))
                  .timeout(Duration.ofSeconds(20))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertTrue(restart.statusCode() < 300, restart.body());
      // the new generation serves while the old one drains with the stream in flight
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> instanceState(api, 2).equals("ready"));
      assertFalse(rest.isDone(), "the stream ended before the new generation was ready");
      assertEquals("draining", instanceState(api, 1), model(api).toString());
      String metrics = get(api, "/metrics").body();
      assertTrue(
          metrics.contains(
              "llama_gateway_in_flight{backend=\"" + oldUrl + "\",model=\"pub/repo/m\"} 1.0"),
          metrics);
      // the stream completes from the old generation; only then is the old one stopped
      String tail = rest.get(30, TimeUnit.SECONDS);
      assertTrue(tail.contains("data: [DONE]"), tail);
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> instanceState(api, 1).equals("gone"));
      assertEquals(200, post(gw, CHAT).statusCode());
    } finally {
      pool.shutdownNow();
    }
  }

  private static JsonNode model(int api) throws Exception {
    return JSON.readTree(get(api, "/api/v1/models/pub/repo/m").body());
  }

  /** The state of the instance of {@code generation}, or {@code gone}. */
  private static String instanceState(int api, int generation) throws Exception {
    for (JsonNode i : model(api).path("instances")) {
      if (i.path("generation").asInt() == generation) {
        return i.path("state").asText();
      }
    }
    return "gone";
  }
}
