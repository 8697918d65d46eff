package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The response cache as {@code serve} and {@code gateway --registry} run it from {@code
 * supervisor.cache}: one {@code serve} (fake llama-server, in-process gateway) and one standalone
 * gateway in front of it, both on one real {@code redis-server} started here. Backend requests are
 * counted at the fake llama-server itself (its {@code llamacpp:tokens_predicted_total}: every
 * request here asks for exactly {@value #MAX_TOKENS} tokens).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeCacheIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String MODEL = "pub/repo/m";
  private static final int MAX_TOKENS = 3;
  private static final String ALICE = "alice-key-for-the-cache-test";
  private static final String BOB = "bob-key-for-the-cache-test";
  private static final String OPS = "ops-key-for-the-cache-test";
  private static final Pattern PREDICTED =
      Pattern.compile("(?m)^llamacpp:tokens_predicted_total\\s+([0-9.eE+]+)");

  private Path dir;
  private Path config;
  private JarLauncher jar;
  private Process redisServer;
  private int api;
  private int gateway;
  private int standalone;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue(
        onPath("redis-server") || "true".equals(System.getenv("CI")),
        "redis-server (Debian package redis-server) is not installed");
    dir = Files.createTempDirectory("serve-cache-it");
    jar = new JarLauncher(dir);
    int redis = JarLauncher.freePort();
    redisServer =
        new ProcessBuilder(
                "redis-server",
                "--port",
                Integer.toString(redis),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    await().atMost(Duration.ofSeconds(10)).until(() -> listening(redis));

    Path models = Files.createDirectories(dir.resolve("models"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve(MODEL + ".gguf"));
    Path binary = FakeLlamaServer.installExecutable(dir.resolve("bin"));
    config = dir.resolve("config.yml");
    Files.writeString(
        config,
        """
        supervisor:
          api:
            keys:
              - {name: alice, role: infer, key: "%s"}
              - {name: bob, role: infer, key: "%s"}
              - {name: ops, role: admin, key: "%s"}
          cache:
            ttl: 10m
            max-bytes: 64MiB
            backend: redis
            redis:
              url: redis://127.0.0.1:%d
              timeout: 2s
            semantic:
              timeout: 20s
          models:
            "**":
              cache:
                exact: true
                semantic: true
        """
            .formatted(ALICE, BOB, OPS, redis));
    gateway = JarLauncher.freePort();
    standalone = JarLauncher.freePort();
    api =
        jar.serve(
                "serve",
                models,
                binary,
                dir.resolve("state"),
                List.of("--config", config.toString(), "--gateway-port", Integer.toString(gateway)))
            .apiPort();
    jar.run(
        "gateway",
        List.of(
            "gateway",
            "--registry",
            "http://127.0.0.1:" + api,
            "--api-key",
            OPS,
            "--config",
            config.toString(),
            "--port",
            Integer.toString(standalone)));
    for (int port : new int[] {gateway, standalone}) {
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .until(() -> chat(port, ALICE, "warm up", 0, Map.of()).statusCode() == 200);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (jar != null) {
      jar.close();
    }
    if (redisServer != null) {
      redisServer.destroy();
      if (!redisServer.waitFor(20, TimeUnit.SECONDS)) {
        redisServer.destroyForcibly();
      }
    }
  }

  @Test
  void aSecondIdenticalRequestIsAnsweredWithoutTheBackend() throws Exception {
    long before = backendRequests();
    HttpResponse<String> first = chat(gateway, ALICE, "What is the boiling point of water?", 0);
    assertEquals(200, first.statusCode(), first.body());
    assertEquals("miss", xCache(first));
    assertEquals(before + 1, backendRequests());

    HttpResponse<String> second =
        awaitCache(gateway, ALICE, "What is the boiling point of water?", "hit");
    assertEquals(content(first), content(second));
  }

  @Test
  void aRephrasedQuestionIsASemanticHit() throws Exception {
    HttpResponse<String> first = chat(gateway, ALICE, "How do I reverse a list in Python?", 0);
    assertEquals("miss", xCache(first), first.body());
    HttpResponse<String> second =
        awaitCache(gateway, ALICE, "Please, how do I reverse a list in Python?", "semantic-hit");
    assertEquals(content(first), content(second));
    double similarity =
        Double.parseDouble(second.headers().firstValue("X-Cache-Similarity").orElseThrow());
    assertTrue(similarity >= 0.95, "similarity " + similarity);
  }

  @Test
  void oneKeysAnswerIsNeverServedToAnotherKey() throws Exception {
    String prompt = "Please summarize my private notes.";
    String rephrased = "Summarize my private notes, please.";
    Map<String, String> noStore = Map.of("Cache-Control", "no-store");
    assertEquals("miss", xCache(chat(gateway, ALICE, prompt, 0)));
    awaitCache(gateway, ALICE, prompt, "hit"); // stored for alice, on both gateways
    awaitCache(standalone, ALICE, rephrased, "semantic-hit");
    for (int port : new int[] {gateway, standalone}) {
      long before = backendRequests();
      HttpResponse<String> bob = chat(port, BOB, prompt, 0, noStore);
      assertEquals(200, bob.statusCode(), bob.body());
      assertEquals("miss", xCache(bob), "bob got alice's answer on " + port);
      assertEquals("miss", xCache(chat(port, BOB, rephrased, 0, noStore)), "rephrased, " + port);
      assertEquals(before + 2, backendRequests());
    }
  }

  @Test
  void twoGatewaysOnOneRedisShareHits() throws Exception {
    String prompt = "Name three prime numbers.";
    HttpResponse<String> first = chat(standalone, ALICE, prompt, 0);
    assertEquals("miss", xCache(first), first.body());
    HttpResponse<String> second = awaitCache(gateway, ALICE, prompt, "hit");
    assertEquals(content(first), content(second));
  }

  @Test
  void metricsShowTheCacheSeries() throws Exception {
    assertEquals("miss", xCache(chat(gateway, ALICE, "Count to three.", 0)));
    awaitCache(gateway, ALICE, "Count to three.", "hit");
    String metrics = get(api, "/metrics", OPS).body();
    for (String series :
        List.of(
            "llama_gateway_cache_requests_total{model=\"pub/repo/m\",result=\"hit\"}",
            "llama_gateway_cache_requests_total{model=\"pub/repo/m\",result=\"miss\"}",
            "llama_gateway_cache_stores_total{kind=\"semantic\",model=\"pub/repo/m\"}",
            "llama_gateway_cache_entries{kind=\"semantic\"}",
            "llama_gateway_cache_embedding_seconds_count")) {
      assertTrue(metrics.contains(series), series + " not in:\n" + metrics);
    }
  }

  @Test
  @Order(Integer.MAX_VALUE) // changes the plan: the last test
  void aRestartKeepsTheAnswersAndAChangedPlanNeverGetsThem() throws Exception {
    String prompt = "Which planet is the largest?";
    assertEquals("miss", xCache(chat(gateway, ALICE, prompt, 0)));
    awaitCache(gateway, ALICE, prompt, "hit");
    JsonNode before = awaitOneBackend(b -> true);
    String plan = before.path("plan").asText();
    assertTrue(plan.length() >= 16, "the routing table publishes a plan digest: " + before);

    // the same plan again, in a new generation: still answered from the cache
    HttpResponse<String> restart = post(api, "/api/v1/models/" + MODEL + "/restart", OPS, "{}");
    assertTrue(restart.statusCode() / 100 == 2, restart.body());
    JsonNode restarted =
        awaitOneBackend(b -> b.path("generation").asLong() > before.path("generation").asLong());
    assertEquals(plan, restarted.path("plan").asText(), "a restart keeps the plan");
    awaitCache(gateway, ALICE, prompt, "hit");
    awaitCache(standalone, ALICE, prompt, "hit");

    // other launch arguments: a new plan that no earlier answer is served to
    Files.writeString(
        config,
        Files.readString(config)
            .replace("  models:\n    \"**\":\n", "  models:\n    \"**\":\n      parallel: 2\n"));
    JsonNode replanned = awaitOneBackend(b -> !b.path("plan").asText().equals(plan));
    assertTrue(replanned.path("plan").asText().length() >= 16, replanned.toString());
    for (int port : new int[] {gateway, standalone}) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> routedPlan(port).map(p -> !p.equals(plan)).orElse(false));
      HttpResponse<String> r = chat(port, ALICE, prompt, 0, Map.of("Cache-Control", "no-store"));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("miss", xCache(r), "an answer of the old plan was served on " + port);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The only backend of the model once it is READY and satisfies {@code condition}. */
  private JsonNode awaitOneBackend(java.util.function.Predicate<JsonNode> condition) {
    JsonNode[] found = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(
            () -> {
              JsonNode backends = route().path("backends");
              if (backends.size() != 1) {
                return false;
              }
              found[0] = backends.get(0);
              return "READY".equalsIgnoreCase(found[0].path("state").asText())
                  && condition.test(found[0]);
            });
    return found[0];
  }

  /** The plan a gateway keys with: the one its own /v1/models answer cannot show, so ask serve. */
  private java.util.Optional<String> routedPlan(int port) throws Exception {
    // both gateways follow serve's table; a request after serve shows the new plan may still race
    // the gateway's watch, so wait until it routes to the new generation
    HttpResponse<String> r =
        chat(port, ALICE, "which generation?", 7, Map.of("Cache-Control", "no-store"));
    String generation = r.headers().firstValue("x-backend-generation").orElse("");
    JsonNode backend = route().path("backends").path(0);
    return generation.equals(backend.path("generation").asText())
        ? java.util.Optional.of(backend.path("plan").asText())
        : java.util.Optional.empty();
  }

  private JsonNode route() throws Exception {
    JsonNode routes = JSON.readTree(get(api, "/api/v1/routes", OPS).body());
    for (JsonNode m : routes.path("models")) {
      if (m.path("id").asText().equals(MODEL)) {
        return m;
      }
    }
    throw new AssertionError("no route for " + MODEL + ": " + routes);
  }

  private static HttpResponse<String> post(int port, String path, String key, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The answer once the cache says {@code expected}, checking that this answer did not reach the
   * backend. A store happens after the miss was answered, so the first repeats may still be misses
   * (sent with {@code no-store}, so they store nothing).
   */
  private HttpResponse<String> awaitCache(int port, String key, String prompt, String expected)
      throws Exception {
    HttpResponse<String>[] last = new HttpResponse[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .alias(
            "X-Cache: "
                + expected
                + " for '"
                + prompt
                + "' on "
                + (port == gateway ? "serve" : "the standalone gateway"))
        .conditionEvaluationListener(
            c -> {
              if (c.isSatisfied() || last[0] == null) {
                return;
              }
              System.out.println(
                  "X-Cache "
                      + xCache(last[0])
                      + ", similarity "
                      + last[0].headers().firstValue("X-Cache-Similarity").orElse("-"));
            })
        .until(
            () -> {
              long before = backendRequests();
              last[0] = chat(port, key, prompt, 0, Map.of("Cache-Control", "no-store"));
              if (!expected.equals(xCache(last[0]))) {
                return false;
              }
              assertEquals(before, backendRequests(), "a cache hit reached the backend");
              return true;
            });
    assertEquals(200, last[0].statusCode(), last[0].body());
    return last[0];
  }

  private HttpResponse<String> chat(int port, String key, String prompt, int seed)
      throws Exception {
    return chat(port, key, prompt, seed, Map.of());
  }

  private HttpResponse<String> chat(
      int port, String key, String prompt, int seed, Map<String, String> headers) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of(
                "model",
                MODEL,
                "max_tokens",
                MAX_TOKENS,
                "seed",
                seed,
                "messages",
                List.of(Map.of("role", "user", "content", prompt))));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String xCache(HttpResponse<String> r) {
    return r.headers().firstValue("X-Cache").orElse("(none)");
  }

  private static String content(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body()).path("choices").path(0).path("message").path("content").asText();
  }

  /** Requests the fake llama-server has answered: its predicted tokens / {@value #MAX_TOKENS}. */
  private long backendRequests() throws Exception {
    String url = route().path("backends").path(0).path("url").asText();
    String metrics = get(URI.create(url + "/metrics"), null).body();
    Matcher m = PREDICTED.matcher(metrics);
    assertTrue(m.find(), metrics);
    double tokens = Double.parseDouble(m.group(1));
    assertEquals(0, tokens % MAX_TOKENS, "tokens " + tokens);
    return (long) (tokens / MAX_TOKENS);
  }

  private static HttpResponse<String> get(int port, String path, String key) throws Exception {
    return get(URI.create("http://127.0.0.1:" + port + path), key);
  }

  private static HttpResponse<String> get(URI uri, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean onPath(String tool) {
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(p, tool))) {
        return true;
      }
    }
    return false;
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
