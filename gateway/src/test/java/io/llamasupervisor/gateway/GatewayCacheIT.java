package io.llamasupervisor.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.testkit.FakeServerProcess;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway with its exact response cache in front of a real fake-llama-server process. */
class GatewayCacheIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "pub/alpha";
  private static FakeServerProcess fake;

  private final List<AutoCloseable> closers = new ArrayList<>();
  private RoutingRegistry registry;
  private GatewayServer gateway;
  private SimpleMeterRegistry cacheMeters;

  @BeforeAll
  static void startFake() throws Exception {
    Path dir = Files.createTempDirectory("gateway-cache-it");
    Path model = GgufWriter.llama(2048, 128, 4, 2, 2).write(dir.resolve("tiny.gguf"));
    fake =
        FakeServerProcess.start(
            List.of(
                "-m", model.toString(), "-c", "2048", "-np", "2", "--alias", "alpha", "--metrics"));
    fake.awaitHealthy(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopFake() {
    if (fake != null) {
      fake.close();
    }
  }

  @BeforeEach
  void startGateway() {
    registry = new RoutingRegistry(Clock.systemUTC());
    closers.add(registry);
    publish(1);
    cacheMeters = new SimpleMeterRegistry();
    ResponseCache cache =
        ResponseCache.create(
            CacheConfig.defaults().withModel("**", true, false, null), cacheMeters);
    closers.add(cache);
    gateway =
        new GatewayServer(
            GatewayOptions.builder().port(0).build(),
            registry::subscribe,
            ModelDirectory.NONE,
            ModelStarter.NONE,
            new SimpleMeterRegistry(),
            cache);
    closers.add(gateway);
    gateway.start();
    // until the table arrives a request is a bypass (no plan to key it with): the tests that
    // assert a first miss would otherwise race the gateway's subscription
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                gateway.dispatcher().table() != null
                    && gateway.dispatcher().table().model(MODEL).isPresent());
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).close();
    }
  }

  private void publish(long generation) {
    BackendRoute b =
        BackendRoute.of(
            "127.0.0.1", fake.port(), generation, BackendState.READY, Instant.now(), 2, 2);
    registry.update(b2 -> b2.put(new ModelRoute(MODEL, "alpha", "ready", List.of(b))));
  }

  private static String body(String prompt, boolean deterministic, boolean stream) {
    return "{\"model\":\"alpha\",\"max_tokens\":4,"
        + (deterministic ? "\"temperature\":0," : "")
        + (stream ? "\"stream\":true," : "")
        + "\"messages\":[{\"role\":\"user\",\"content\":\""
        + prompt
        + "\"}]}";
  }

  private HttpResponse<String> post(String json) {
    return Http.post(gateway.port(), "/v1/chat/completions", json);
  }

  /** Tokens the backend generated so far: grows with every request it served. */
  private static long predicted() throws Exception {
    for (String line : fake.get("/metrics").body().split("\n")) {
      if (line.startsWith("llamacpp:tokens_predicted_total ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new IllegalStateException("no tokens_predicted_total");
  }

  private static String xCache(HttpResponse<String> r) {
    return r.headers().firstValue("X-Cache").orElse("(none)");
  }

  @Test
  void aDeterministicRequestTwiceIsServedOnceByTheBackend() throws Exception {
    HttpResponse<String> first = post(body("what is two plus two", true, false));
    assertEquals(200, first.statusCode());
    assertEquals("miss", xCache(first));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              long before = predicted();
              HttpResponse<String> again = post(body("what is two plus two", true, false));
              return "hit".equals(xCache(again))
                  && predicted() == before
                  && again.body().equals(first.body());
            });
  }

  @Test
  void aNonDeterministicRequestIsNeverCached() throws Exception {
    long before = predicted();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = post(body("tell me a story", false, false));
      assertEquals(200, r.statusCode());
      assertEquals("bypass", xCache(r));
    }
    assertEquals(before + 12, predicted());
  }

  @Test
  void aStreamedMissIsReplayedAsTheSameEvents() throws Exception {
    HttpResponse<String> first = post(body("count to three", true, true));
    assertEquals("miss", xCache(first), first.statusCode() + " " + first.body());
    assertTrue(first.body().endsWith("data: [DONE]\n\n"), first.body());
    HttpResponse<String> hit =
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> post(body("count to three", true, true)), r -> "hit".equals(xCache(r)));
    assertEquals("text/event-stream", hit.headers().firstValue("Content-Type").orElse(""));
    assertEquals(events(first.body()), events(hit.body()));

    HttpResponse<String> json = post(body("count to three", true, false));
    assertEquals("hit", xCache(json));
    JsonNode n = JSON.readTree(json.body());
    assertEquals("chat.completion", n.get("object").asText());
    StringBuilder streamed = new StringBuilder();
    for (String e : events(first.body())) {
      if (!e.equals("[DONE]")) {
        streamed.append(JSON.readTree(e).at("/choices/0/delta/content").asText(""));
      }
    }
    assertEquals(streamed.toString(), n.at("/choices/0/message/content").asText());
  }

  private static List<String> events(String sse) {
    List<String> out = new ArrayList<>();
    for (String block : sse.split("\n\n")) {
      if (block.startsWith("data: ")) {
        out.add(block.substring(6));
      }
    }
    return out;
  }

  @Test
  void aNewServingGenerationIsAMiss() throws Exception {
    post(body("what is three plus three", true, false));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> "hit".equals(xCache(post(body("what is three plus three", true, false)))));
    publish(2); // a new file, new flags or a restart: a new generation
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> "miss".equals(xCache(post(body("what is three plus three", true, false)))));
  }

  @Test
  void cacheControlNoCacheGoesToTheBackend() throws Exception {
    post(body("what is four plus four", true, false));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> "hit".equals(xCache(post(body("what is four plus four", true, false)))));
    long before = predicted();
    HttpResponse<String> fresh =
        Http.post(
            gateway.port(),
            "/v1/chat/completions",
            body("what is four plus four", true, false),
            Map.of("Cache-Control", "no-cache"));
    assertEquals("bypass", xCache(fresh));
    assertEquals(before + 4, predicted());
  }

  /** Regression: the same request by alias and by the model's id were two entries. */
  @Test
  void aRequestByTheModelsIdIsAnsweredFromTheEntryOfOneByItsAlias() throws Exception {
    String byAlias = body("what is five plus five", true, false);
    post(byAlias);
    await().atMost(Duration.ofSeconds(5)).until(() -> "hit".equals(xCache(post(byAlias))));
    String byId = byAlias.replace("\"model\":\"alpha\"", "\"model\":\"" + MODEL + "\"");
    long before = predicted();
    assertEquals("hit", xCache(post(byId)));
    assertEquals(before, predicted());
  }

  /**
   * Regression: a request bypassing the cache while the model had no READY backend was not counted.
   */
  @Test
  void aRequestWhileNothingServesTheModelIsCountedAsANotServingBypass() throws Exception {
    registry.update(
        b ->
            b.put(
                new ModelRoute(
                    MODEL,
                    "alpha",
                    "starting",
                    List.of(
                        BackendRoute.of(
                            "127.0.0.1",
                            fake.port(),
                            3,
                            BackendState.STARTING,
                            Instant.now(),
                            2,
                            2)))));
    java.util.concurrent.CompletableFuture<HttpResponse<String>> waiting =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> post(body("what is six plus six", true, false)));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                cacheMeters
                        .find("llama.gateway.cache.bypasses")
                        .tag("reason", "not_serving")
                        .counter()
                    != null);
    publish(3);
    HttpResponse<String> r = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("bypass", xCache(r));
    assertEquals(
        1.0,
        cacheMeters
            .get("llama.gateway.cache.requests")
            .tag("result", "bypass")
            .tag("model", MODEL)
            .counter()
            .count());
  }
}
