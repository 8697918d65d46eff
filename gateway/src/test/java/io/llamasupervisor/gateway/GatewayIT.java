package io.llamasupervisor.gateway;

import static io.llamasupervisor.gateway.Http.chat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway in front of real fake-llama-server processes. */
class GatewayIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALPHA = "pub/alpha.gguf";
  private static final String BETA = "pub/beta.gguf";
  private static final String SLOW = "pub/slow.gguf";

  private static Path dir;
  private static FakeServerProcess alpha;
  private static FakeServerProcess beta;
  private static FakeServerProcess slow;

  private final List<AutoCloseable> closers = new ArrayList<>();
  private SimpleMeterRegistry meters;
  private RoutingRegistry registry;

  @BeforeAll
  static void fakes() throws Exception {
    dir = Files.createTempDirectory("gateway-it");
    Path model = GgufWriter.llama(2048, 128, 4, 2, 2).write(dir.resolve("tiny.gguf"));
    String m = model.toString();
    alpha =
        FakeServerProcess.start(
            List.of("-m", m, "-c", "2048", "-np", "2", "--alias", "alpha-server"));
    beta =
        FakeServerProcess.start(
            List.of("-m", m, "-c", "2048", "-np", "2", "--alias", "beta-server"));
    slow =
        FakeServerProcess.start(
            List.of("-m", m, "-c", "2048", "-np", "1", "--alias", "slow-server"),
            Map.of("FAKE_LLAMA_TOKEN_MS", "20"));
    alpha.awaitHealthy(Duration.ofSeconds(30));
    beta.awaitHealthy(Duration.ofSeconds(30));
    slow.awaitHealthy(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopFakes() {
    for (FakeServerProcess p : new FakeServerProcess[] {alpha, beta, slow}) {
      if (p != null) {
        p.close();
      }
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).close();
    }
  }

  private static BackendRoute ready(int port, long generation, int slots) {
    return BackendRoute.of(
        "127.0.0.1", port, generation, BackendState.READY, Instant.now(), slots, slots);
  }

  private GatewayServer gateway(
      GatewayOptions options, ModelDirectory dirs, ModelStarter starter, ModelRoute... models) {
    meters = new SimpleMeterRegistry();
    registry = new RoutingRegistry(Clock.systemUTC());
    closers.add(registry);
    registry.update(
        b -> {
          for (ModelRoute m : models) {
            b.put(m);
          }
          return b;
        });
    GatewayServer gw =
        new GatewayServer(
            options.toBuilder().port(0).build(), registry::subscribe, dirs, starter, meters);
    closers.add(gw);
    return gw.start();
  }

  private GatewayServer gateway(GatewayOptions options, ModelRoute... models) {
    return gateway(options, ModelDirectory.NONE, ModelStarter.NONE, models);
  }

  private GatewayServer standard() {
    return gateway(
        GatewayOptions.defaults(),
        new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 1, 2))),
        new ModelRoute(BETA, "beta", "ready", List.of(ready(beta.port(), 4, 2))));
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private static boolean slotsIdle(FakeServerProcess p) {
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

  @Test
  void routesByModelIdAndAlias() throws Exception {
    GatewayServer gw = standard();
    HttpResponse<String> a = Http.post(gw.port(), "/v1/chat/completions", chat("alpha", 3, false));
    assertEquals(200, a.statusCode(), a.body());
    assertEquals("alpha-server", json(a).path("model").asText());
    assertEquals("1", a.headers().firstValue("x-backend-generation").orElseThrow());
    assertTrue(a.headers().firstValue("server-timing").orElseThrow().contains("upstream;dur="));

    HttpResponse<String> b =
        Http.post(
            gw.port(),
            "/v1/completions",
            "{\"model\":\"" + BETA + "\",\"prompt\":\"hi\",\"max_tokens\":2}");
    assertEquals(200, b.statusCode(), b.body());
    assertEquals("beta-server", json(b).path("model").asText());
    assertEquals("4", b.headers().firstValue("x-backend-generation").orElseThrow());

    HttpResponse<String> native_ =
        Http.post(
            gw.port(), "/completion", "{\"model\":\"beta\",\"prompt\":\"hi\",\"n_predict\":2}");
    assertEquals(200, native_.statusCode(), native_.body());
    assertEquals("beta-server", json(native_).path("model").asText());

    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                meters.find("llama.gateway.completion.tokens").tag("model", ALPHA).counter()
                    != null);
    assertEquals(
        3.0, meters.get("llama.gateway.completion.tokens").tag("model", ALPHA).counter().count());
  }

  @Test
  void unknownModelIs404InOpenAiShapeAndMissingModelWithTwoServedIs400() throws Exception {
    GatewayServer gw = standard();
    HttpResponse<String> r = Http.post(gw.port(), "/v1/chat/completions", chat("nope", 3, false));
    assertEquals(404, r.statusCode());
    JsonNode e = json(r).path("error");
    assertEquals("model_not_found", e.path("code").asText());
    assertEquals("invalid_request_error", e.path("type").asText());
    assertTrue(e.path("message").asText().contains("nope"));

    assertEquals(
        400, Http.post(gw.port(), "/v1/chat/completions", chat(null, 3, false)).statusCode());
    assertEquals(404, Http.post(gw.port(), "/v1/nothing", "{}").statusCode());
    // answered by the gateway before a model was resolved: counted under no model
    assertEquals(
        2.0, // the unknown model and the unknown URL
        meters
            .get("llama.gateway.requests")
            .tag("model", "")
            .tag("status", "404")
            .counter()
            .count());
    assertEquals(
        1.0,
        meters
            .get("llama.gateway.requests")
            .tag("model", "")
            .tag("status", "400")
            .counter()
            .count());
  }

  /** Regression: with one model served, a body that is not JSON went to llama-server (500). */
  @Test
  void aBodyThatIsNotAJsonObjectIsA400AlsoWhenOneModelIsServed() throws Exception {
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults(),
            new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 1, 2))));
    for (String bad : List.of("{bad json", "[1,2]", "")) {
      HttpResponse<String> r = Http.post(gw.port(), "/v1/chat/completions", bad);
      assertEquals(400, r.statusCode(), bad + " -> " + r.body());
      assertEquals("invalid_json", json(r).path("error").path("code").asText(), r.body());
      assertTrue(r.headers().firstValue("X-Backend-Generation").isEmpty(), "reached a backend");
    }
  }

  /** Regression: a broken body naming a made-up model made one metrics series per name. */
  @Test
  void refusedRequestsAreCountedUnderTheModelsIdNeverUnderANameTheClientMadeUp() throws Exception {
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults().toBuilder().affinity(true).build(),
            new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 1, 2))));
    for (int i = 0; i < 20; i++) {
      String bad = "{\"model\":\"junk-" + i + "\",\"messages\":[";
      assertEquals(400, Http.post(gw.port(), "/v1/chat/completions", bad).statusCode());
    }
    String broken = "{\"model\":\"alpha\",\"messages\":[";
    assertEquals(400, Http.post(gw.port(), "/v1/chat/completions", broken).statusCode());
    java.util.Set<String> models = new java.util.TreeSet<>();
    meters
        .find("llama.gateway.requests")
        .counters()
        .forEach(c -> models.add(c.getId().getTag("model")));
    assertEquals(java.util.Set.of("", ALPHA), models);
  }

  /** Regression: /v1/models listed rejected files, and a model-less request counted them. */
  @Test
  void rejectedFilesAreNotListedNorCountedButAreAnsweredByName() throws Exception {
    ModelDirectory directory =
        () ->
            List.of(
                ModelInfo.of(ALPHA, "alpha", "ready"),
                new ModelInfo(
                    "pub/bad",
                    "bad",
                    "rejected",
                    "TRUNCATED",
                    "tensor data cut short",
                    0,
                    0,
                    StartMode.ALWAYS,
                    null));
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults(),
            directory,
            ModelStarter.NONE,
            new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 1, 2))));
    JsonNode list = json(Http.get(gw.port(), "/v1/models"));
    assertEquals(1, list.path("data").size(), list.toString());
    assertEquals(ALPHA, list.path("data").get(0).path("id").asText());
    assertEquals(
        200, Http.post(gw.port(), "/v1/chat/completions", chat(null, 1, false)).statusCode());
    JsonNode bad = json(Http.get(gw.port(), "/v1/models/pub/bad"));
    assertEquals("rejected", bad.path("llama_supervisor").path("state").asText(), bad.toString());
    HttpResponse<String> named =
        Http.post(gw.port(), "/v1/chat/completions", chat("bad", 1, false));
    assertEquals(503, named.statusCode(), named.body());
    assertTrue(named.body().contains("TRUNCATED"), named.body());
  }

  @Test
  void listsModelsAndAnswersHealth() throws Exception {
    GatewayServer gw = standard();
    assertEquals("{\"status\":\"ok\"}", Http.get(gw.port(), "/health").body());
    JsonNode list = json(Http.get(gw.port(), "/v1/models"));
    assertEquals("list", list.path("object").asText());
    assertEquals(2, list.path("data").size());
    assertEquals(ALPHA, list.path("data").get(0).path("id").asText());
    assertEquals("alpha", list.path("data").get(0).path("aliases").get(0).asText());
    JsonNode one = json(Http.get(gw.port(), "/v1/models/" + BETA));
    assertEquals(BETA, one.path("id").asText());
    assertEquals("ready", one.path("llama_supervisor").path("state").asText());
    assertEquals(404, Http.get(gw.port(), "/v1/models/none").statusCode());
  }

  @Test
  void streamsEventByEventWhileTheBackendIsStillGenerating() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> slotsIdle(slow));
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults(),
            new ModelRoute(SLOW, "slow", "ready", List.of(ready(slow.port(), 7, 1))));
    try (RawClient c = new RawClient(gw.port())) {
      c.post("/v1/chat/completions", chat("slow", 40, true)).head();
      assertEquals(200, c.status);
      assertEquals("text/event-stream", c.headers.get("content-type"));
      assertEquals("no", c.headers.get("x-accel-buffering"));
      assertEquals("no-cache", c.headers.get("cache-control"));
      assertEquals("7", c.headers.get("x-backend-generation"));
      String first = c.nextEvent();
      assertNotNull(first);
      assertTrue(first.contains("chat.completion.chunk"), first);
      assertTrue(
          !slotsIdle(slow), "the first event reached the client while the backend generates");
      int events = 1;
      String last = first;
      String e;
      while ((e = c.nextEvent()) != null) {
        events++;
        last = e;
        if (e.equals("[DONE]")) {
          break;
        }
      }
      assertEquals("[DONE]", last);
      assertTrue(events >= 40, "one event per token, got " + events);
    }
  }

  @Test
  void clientDisconnectFreesTheBackendSlot() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> slotsIdle(slow));
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults(),
            new ModelRoute(SLOW, "slow", "ready", List.of(ready(slow.port(), 1, 1))));
    RawClient c = new RawClient(gw.port());
    c.post("/v1/chat/completions", chat("slow", 1500, true)).head();
    assertNotNull(c.nextEvent());
    assertTrue(!slotsIdle(slow));
    long closed = System.nanoTime();
    c.close();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> slotsIdle(slow));
    System.out.printf(
        "stream: slot idle %.0f ms after the client closed%n", (System.nanoTime() - closed) / 1e6);
    assertEquals(0, gw.traffic().inFlight("http://127.0.0.1:" + slow.port()));

    RawClient plain = new RawClient(gw.port());
    plain.post("/v1/chat/completions", chat("slow", 1500, false));
    await().atMost(Duration.ofSeconds(10)).until(() -> !slotsIdle(slow));
    closed = System.nanoTime();
    plain.close();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> slotsIdle(slow));
    System.out.printf(
        "non-stream: slot idle %.0f ms after the client closed%n",
        (System.nanoTime() - closed) / 1e6);
    assertTrue(slow.stderr().contains("cancel task, id_task ="));
  }

  @Test
  void fullQueueAnswers429AndATimedOutOneAnswers503() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> slotsIdle(slow));
    GatewayServer gw =
        gateway(
            GatewayOptions.builder().queue(1, Duration.ofMillis(1500)).build(),
            new ModelRoute(SLOW, "slow", "ready", List.of(ready(slow.port(), 1, 1))));
    try (RawClient busy = new RawClient(gw.port())) {
      busy.post("/v1/chat/completions", chat("slow", 1500, true)).head();
      assertNotNull(busy.nextEvent());
      CompletableFuture<HttpResponse<String>> queued =
          CompletableFuture.supplyAsync(
              () -> Http.post(gw.port(), "/v1/chat/completions", chat("slow", 2, false)));
      await().atMost(Duration.ofSeconds(5)).until(() -> gw.traffic().queued(SLOW) == 1);
      HttpResponse<String> full =
          Http.post(gw.port(), "/v1/chat/completions", chat("slow", 2, false));
      assertEquals(429, full.statusCode());
      assertEquals("queue_full", json(full).path("error").path("code").asText());
      assertTrue(full.headers().firstValue("retry-after").isPresent());

      HttpResponse<String> timedOut = queued.get();
      assertEquals(503, timedOut.statusCode());
      assertEquals("queue_timeout", json(timedOut).path("error").path("code").asText());
      assertTrue(timedOut.headers().firstValue("retry-after").isPresent());
    }
  }

  @Test
  void refusedBackendIsRetriedOnAnotherAndEjected() throws Exception {
    int refused = FakeServerProcess.freePort();
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults(),
            new ModelRoute(
                ALPHA, "alpha", "ready", List.of(ready(refused, 1, 2), ready(alpha.port(), 2, 2))));
    String dead = "http://127.0.0.1:" + refused;
    int sent = 0;
    while (!gw.dispatcher().ejected().containsKey(ALPHA)) {
      HttpResponse<String> r =
          Http.post(gw.port(), "/v1/chat/completions", chat("alpha", 1, false));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("2", r.headers().firstValue("x-backend-generation").orElseThrow());
      assertTrue(++sent < 200, "the refused backend was never ejected");
    }
    assertTrue(gw.dispatcher().ejected().get(ALPHA).containsKey(dead));
    assertEquals(5.0, meters.get("llama.gateway.retries").tag("model", ALPHA).counter().count());
    assertEquals(1.0, meters.get("llama.gateway.ejections").tag("backend", dead).counter().count());
  }

  @Test
  void keysAndModelGlobsGive401And403() throws Exception {
    String secret = "acme-key-0123456789abcdef";
    GatewayServer gw =
        gateway(
            GatewayOptions.builder()
                .keys(
                    List.of(GatewayKey.plain("acme", KeyRole.INFER, secret, List.of("pub/alpha*"))))
                .build(),
            new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 1, 2))),
            new ModelRoute(BETA, "beta", "ready", List.of(ready(beta.port(), 1, 2))));
    assertEquals(
        401, Http.post(gw.port(), "/v1/chat/completions", chat("alpha", 1, false)).statusCode());
    assertEquals(
        401,
        Http.post(
                gw.port(),
                "/v1/chat/completions",
                chat("alpha", 1, false),
                Map.of("Authorization", "Bearer wrong-key-0123456789"))
            .statusCode());
    Map<String, String> auth = Map.of("Authorization", "Bearer " + secret);
    HttpResponse<String> denied =
        Http.post(gw.port(), "/v1/chat/completions", chat("beta", 1, false), auth);
    assertEquals(403, denied.statusCode());
    assertEquals("model_not_allowed", json(denied).path("error").path("code").asText());
    assertEquals(
        200,
        Http.post(gw.port(), "/v1/chat/completions", chat("alpha", 1, false), auth).statusCode());
    HttpResponse<String> anthropicStyle =
        Http.post(
            gw.port(),
            "/v1/chat/completions",
            chat("alpha", 1, false),
            Map.of("x-api-key", secret));
    assertEquals(200, anthropicStyle.statusCode(), "X-Api-Key works like a bearer token");
    assertEquals(200, Http.get(gw.port(), "/health").statusCode());
    assertEquals(401, Http.get(gw.port(), "/v1/models").statusCode());
    assertEquals(1, json(Http.get(gw.port(), "/v1/models", auth)).path("data").size());
  }

  @Test
  void bodyOverMaxBodyIs413() throws Exception {
    GatewayServer gw =
        gateway(
            GatewayOptions.builder().maxBody(1024).build(),
            new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 1, 2))));
    String big = "{\"model\":\"alpha\",\"prompt\":\"" + "x".repeat(2000) + "\"}";
    HttpResponse<String> r = Http.post(gw.port(), "/v1/completions", big);
    assertEquals(413, r.statusCode());
    assertEquals("request_too_large", json(r).path("error").path("code").asText());
    assertEquals(
        200, Http.post(gw.port(), "/v1/chat/completions", chat("alpha", 1, false)).statusCode());
  }

  @Test
  void fiftyConcurrentFirstRequestsForAnOnDemandModelAskForOneStart() throws Exception {
    AtomicInteger starts = new AtomicInteger();
    ModelDirectory directory =
        () ->
            List.of(
                new ModelInfo(
                    ALPHA,
                    "alpha",
                    "idle",
                    "IDLE_TTL",
                    null,
                    2048,
                    2,
                    StartMode.ON_DEMAND,
                    Duration.ofSeconds(30)));
    RoutingRegistry[] feed = new RoutingRegistry[1];
    ModelStarter starter =
        id -> {
          starts.incrementAndGet();
          CompletableFuture.runAsync(
              () ->
                  feed[0].update(
                      b ->
                          b.put(
                              new ModelRoute(
                                  ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 3, 2))))),
              CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS));
        };
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults(), directory, starter, ModelRoute.of(ALPHA, "alpha", "idle"));
    feed[0] = registry;
    ExecutorService pool = Executors.newFixedThreadPool(50);
    closers.add(pool::shutdownNow);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(
          CompletableFuture.supplyAsync(
              () -> Http.post(gw.port(), "/v1/chat/completions", chat("alpha", 1, false)), pool));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get();
      assertEquals(200, r.statusCode(), r.body());
    }
    assertEquals(1, starts.get());
  }

  /**
   * A blue-green swap as the supervisor publishes it (new generation READY, old one DRAINING, then
   * gone) while clients keep sending: no request fails, and the draining backend's in-flight count
   * the drain waits for reaches 0.
   */
  @Test
  void swapsUnderLoadLoseNothing() throws Exception {
    GatewayServer gw =
        gateway(
            GatewayOptions.defaults(),
            new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(alpha.port(), 1, 2))));
    ExecutorService pool = Executors.newFixedThreadPool(6);
    closers.add(pool::shutdownNow);
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      boolean stream = i % 2 == 0;
      clients.add(
          CompletableFuture.runAsync(
              () -> {
                while (running.get()) {
                  HttpResponse<String> r =
                      Http.post(gw.port(), "/v1/chat/completions", chat("alpha", 8, stream));
                  if (r.statusCode() == 200 && (!stream || r.body().contains("[DONE]"))) {
                    ok.incrementAndGet();
                  } else {
                    failures.add(r.statusCode() + " " + r.body());
                  }
                }
              },
              pool));
    }
    FakeServerProcess[] sides = {alpha, beta};
    for (int gen = 2; gen <= 7; gen++) {
      int target = ok.get() + 20;
      await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() >= target);
      FakeServerProcess next = sides[gen % 2];
      FakeServerProcess old = sides[(gen + 1) % 2];
      long g = gen;
      registry.update(
          b ->
              b.put(
                  new ModelRoute(
                      ALPHA,
                      "alpha",
                      "ready",
                      List.of(
                          BackendRoute.of(
                              "127.0.0.1",
                              old.port(),
                              g - 1,
                              BackendState.DRAINING,
                              Instant.now(),
                              2,
                              2),
                          ready(next.port(), g, 2)))));
      String oldUrl = "http://127.0.0.1:" + old.port();
      await().atMost(Duration.ofSeconds(20)).until(() -> gw.traffic().inFlight(oldUrl) == 0);
      registry.update(
          b -> b.put(new ModelRoute(ALPHA, "alpha", "ready", List.of(ready(next.port(), g, 2)))));
    }
    running.set(false);
    for (CompletableFuture<Void> c : clients) {
      c.get();
    }
    assertTrue(
        failures.isEmpty(),
        failures.size() + " failures, first: " + failures.stream().findFirst().orElse(""));
    assertTrue(ok.get() >= 120, "requests served: " + ok.get());
  }
}
