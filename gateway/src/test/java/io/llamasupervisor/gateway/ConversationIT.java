package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasupervisor.gateway.conversation.ConversationStore;
import io.llamasupervisor.gateway.conversation.MemoryConversationStore;
import io.llamasupervisor.gateway.conversation.RedisConversationStore;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.testkit.FakeServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stateful {@code /v1/responses} through the gateway, in front of fake llama-server processes. */
class ConversationIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "pub/chat.gguf";
  private static final Duration TTL = Duration.ofHours(24);

  private static FakeServerProcess alpha;
  private static FakeServerProcess beta;

  private final List<AutoCloseable> closers = new ArrayList<>();
  private final AtomicLong nanos = new AtomicLong();
  private SimpleMeterRegistry meters;
  private RoutingRegistry registry;

  @BeforeAll
  static void fakes() throws Exception {
    Path dir = Files.createTempDirectory("conversation-it");
    String m = GgufWriter.llama(2048, 128, 4, 2, 2).write(dir.resolve("tiny.gguf")).toString();
    alpha = FakeServerProcess.start(List.of("-m", m, "-c", "2048", "-np", "2", "--alias", "chat"));
    beta = FakeServerProcess.start(List.of("-m", m, "-c", "2048", "-np", "2", "--alias", "chat"));
    alpha.awaitHealthy(Duration.ofSeconds(30));
    beta.awaitHealthy(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopFakes() {
    Stream.of(alpha, beta).filter(Objects::nonNull).forEach(FakeServerProcess::close);
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closers);
    for (AutoCloseable c : closers) {
      c.close();
    }
  }

  private static BackendRoute ready(FakeServerProcess p, long generation) {
    return BackendRoute.of(
        "127.0.0.1", p.port(), generation, BackendState.READY, Instant.now(), 2, 2);
  }

  /** A gateway for MODEL served by {@code backends}; {@code ctxPerSlot} 0: unknown. */
  private GatewayServer gateway(GatewayOptions options, int ctxPerSlot, BackendRoute... backends) {
    meters = new SimpleMeterRegistry();
    registry = new RoutingRegistry(Clock.systemUTC());
    closers.add(registry);
    route(backends);
    ConversationStore store = new MemoryConversationStore(1 << 20, TTL, nanos::get);
    closers.add(store);
    return gateway(options, ctxPerSlot, store);
  }

  /** Another gateway on the same routing registry, keeping conversations in {@code store}. */
  private GatewayServer gateway(GatewayOptions options, int ctxPerSlot, ConversationStore store) {
    ModelInfo info =
        new ModelInfo(MODEL, "chat", "ready", null, null, ctxPerSlot, 2, StartMode.ALWAYS, null);
    ModelDirectory directory =
        new ModelDirectory() {
          @Override
          public List<ModelInfo> models() {
            return List.of(info);
          }

          @Override
          public Optional<ModelInfo> find(String name) {
            return name.equals(MODEL) || name.equals("chat") ? Optional.of(info) : Optional.empty();
          }
        };
    GatewayServer gw =
        new GatewayServer(
            options.toBuilder().port(0).build(),
            registry::subscribe,
            directory,
            ModelStarter.NONE,
            meters,
            null,
            store);
    closers.add(gw);
    return gw.start();
  }

  private void route(BackendRoute... backends) {
    registry.update(
        b -> {
          b.put(new ModelRoute(MODEL, "chat", "ready", List.of(backends)));
          return b;
        });
  }

  private static String turn(String input, String previous, boolean stream, Boolean store) {
    ObjectNode o = JSON.createObjectNode().put("model", "chat").put("input", input);
    o.put("max_output_tokens", 4).put("stream", stream);
    if (previous != null) {
      o.put("previous_response_id", previous);
    }
    if (store != null) {
      o.put("store", store);
    }
    return o.toString();
  }

  private static HttpResponse<String> post(GatewayServer gw, String body, String key) {
    return Http.post(
        gw.port(),
        "/v1/responses",
        body,
        key == null ? Map.of() : Map.of("Authorization", "Bearer " + key));
  }

  /** The response object of a JSON answer or of the stream's {@code response.completed}. */
  private static JsonNode response(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    if (!r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
      return JSON.readTree(r.body());
    }
    String[] lines = r.body().split("\n");
    for (int i = 0; i < lines.length - 1; i++) {
      if (lines[i].equals("event: response.completed")) {
        return JSON.readTree(lines[i + 1].substring("data: ".length())).path("response");
      }
    }
    throw new AssertionError("no response.completed in " + r.body());
  }

  private static HttpResponse<String> delete(GatewayServer gw, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + path))
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private double count(String name, String... tags) {
    var c = meters.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void threeTurnsSendTheWholeHistoryOnTurnThreeWhileTheClientSendsOneMessage() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1));
    JsonNode r1 = response(post(gw, turn("My name is Ada.", null, false, null), null));
    JsonNode r2 =
        response(post(gw, turn("What is my name?", r1.path("id").asText(), true, null), null));
    JsonNode r3 = response(post(gw, turn("Thanks.", r2.path("id").asText(), false, null), null));

    // the same conversation sent whole, without the gateway's memory, counts as many tokens
    ArrayNode whole = JSON.createArrayNode();
    whole.addObject().put("role", "user").put("content", "My name is Ada.");
    whole.addAll((ArrayNode) r1.path("output"));
    whole.addObject().put("role", "user").put("content", "What is my name?");
    whole.addAll((ArrayNode) r2.path("output"));
    whole.addObject().put("role", "user").put("content", "Thanks.");
    ObjectNode stateless = JSON.createObjectNode().put("model", "chat").put("store", false);
    stateless.set("input", whole);
    stateless.put("max_output_tokens", 4);
    JsonNode direct =
        JSON.readTree(
            alpha.post("/v1/responses", stateless.toString(), Duration.ofSeconds(30)).body());
    long single = r1.path("usage").path("input_tokens").asLong();
    long third = r3.path("usage").path("input_tokens").asLong();
    assertEquals(direct.path("usage").path("input_tokens").asLong(), third);
    assertTrue(third > 3 * single, "turn 3 prompt " + third + " vs turn 1 " + single);

    // stored: GET returns the response, DELETE forgets it
    HttpResponse<String> got = Http.get(gw.port(), "/v1/responses/" + r3.path("id").asText());
    assertEquals(200, got.statusCode(), got.body());
    assertEquals(r3.path("id").asText(), JSON.readTree(got.body()).path("id").asText());
    HttpResponse<String> deleted = delete(gw, "/v1/responses/" + r3.path("id").asText());
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertTrue(JSON.readTree(deleted.body()).path("deleted").asBoolean());
    assertEquals(404, Http.get(gw.port(), "/v1/responses/" + r3.path("id").asText()).statusCode());
    HttpResponse<String> after = post(gw, turn("Again", r3.path("id").asText(), false, null), null);
    assertEquals(404, after.statusCode(), after.body());
    JsonNode error = JSON.readTree(after.body()).path("error");
    assertEquals("invalid_request_error", error.path("type").asText());
    assertTrue(error.path("message").asText().contains(r3.path("id").asText()));
    assertEquals(2.0, count("llama.gateway.conversation.lookups", "result", "hit"));
    assertEquals(1.0, count("llama.gateway.conversation.lookups", "result", "miss"));
    assertEquals(2.0, meters.get("llama.gateway.conversations").gauge().value());
  }

  @Test
  void storeFalseKeepsNothing() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1));
    JsonNode r = response(post(gw, turn("Forget me.", null, false, false), null));
    JsonNode s = response(post(gw, turn("Forget me too.", null, true, false), null));
    for (JsonNode x : List.of(r, s)) {
      String id = x.path("id").asText();
      assertTrue(id.startsWith("resp_"), id);
      assertEquals(404, Http.get(gw.port(), "/v1/responses/" + id).statusCode());
      assertEquals(404, post(gw, turn("And?", id, false, null), null).statusCode());
    }
    assertEquals(0.0, meters.get("llama.gateway.conversations").gauge().value());
    assertEquals(0.0, meters.get("llama.gateway.conversation.bytes").gauge().value());
  }

  @Test
  void anotherKeyGets404() throws Exception {
    String mine = "sk-mine-0123456789abcdef";
    String theirs = "sk-theirs-0123456789abcdef";
    GatewayServer gw =
        gateway(
            GatewayOptions.builder()
                .keys(
                    List.of(
                        GatewayKey.plain("mine", KeyRole.INFER, mine, List.of()),
                        GatewayKey.plain("theirs", KeyRole.INFER, theirs, List.of())))
                .build(),
            0,
            ready(alpha, 1));
    String id = response(post(gw, turn("Secret.", null, false, null), mine)).path("id").asText();
    assertEquals(404, post(gw, turn("Tell me", id, false, null), theirs).statusCode());
    Map<String, String> theirHeaders = Map.of("Authorization", "Bearer " + theirs);
    assertEquals(404, Http.get(gw.port(), "/v1/responses/" + id, theirHeaders).statusCode());
    assertEquals(401, Http.get(gw.port(), "/v1/responses/" + id).statusCode());
    Map<String, String> myHeaders = Map.of("Authorization", "Bearer " + mine);
    assertEquals(200, Http.get(gw.port(), "/v1/responses/" + id, myHeaders).statusCode());
    assertEquals(200, post(gw, turn("Tell me", id, false, null), mine).statusCode());
  }

  @Test
  void aResponseExpiresAfterTheTtl() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1));
    String id = response(post(gw, turn("Hello.", null, false, null), null)).path("id").asText();
    awaitStored(gw, id);
    nanos.addAndGet(TTL.toNanos() - TimeUnit.SECONDS.toNanos(1));
    assertEquals(200, Http.get(gw.port(), "/v1/responses/" + id).statusCode());
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
    assertEquals(404, Http.get(gw.port(), "/v1/responses/" + id).statusCode());
    assertEquals(404, post(gw, turn("Still there?", id, false, null), null).statusCode());
    assertEquals(1.0, count("llama.gateway.conversation.lookups", "result", "miss"));
  }

  @Test
  void aConversationThatNoLongerFitsTheContextIs400NamingBothSizes() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 96, ready(alpha, 1));
    String id = response(post(gw, turn("Hi.", null, false, null), null)).path("id").asText();
    HttpResponse<String> r = post(gw, turn("x".repeat(400), id, false, null), null);
    assertEquals(400, r.statusCode(), r.body());
    JsonNode e = JSON.readTree(r.body()).path("error");
    assertEquals("context_length_exceeded", e.path("code").asText());
    String message = e.path("message").asText();
    assertTrue(message.contains("96 tokens per slot"), message);
    assertTrue(message.matches(".*needs about \\d+ tokens.*"), message);
    // a short turn still fits
    assertEquals(200, post(gw, turn("Ok.", id, false, null), null).statusCode());
  }

  @Test
  void theNextTurnsGoToTheBackendThatServedThePreviousOne() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1), ready(beta, 2));
    HttpResponse<String> first = post(gw, turn("Hello.", null, false, null), null);
    String generation = first.headers().firstValue("x-backend-generation").orElseThrow();
    String id = response(first).path("id").asText();
    for (int i = 0; i < 2; i++) {
      awaitStored(gw, id);
      HttpResponse<String> next = post(gw, turn("More.", id, i == 1, null), null);
      assertEquals(generation, next.headers().firstValue("x-backend-generation").orElseThrow());
      id = response(next).path("id").asText();
    }
    assertEquals(2.0, count("llama.gateway.conversation.affinity.hits"));
  }

  @Test
  void theConversationSurvivesABlueGreenSwapInTheMiddle() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1));
    HttpResponse<String> first = post(gw, turn("My name is Ada.", null, false, null), null);
    assertEquals("1", first.headers().firstValue("x-backend-generation").orElseThrow());
    JsonNode r1 = response(first);
    awaitStored(gw, r1.path("id").asText());
    route(ready(beta, 2)); // the new generation replaces the old one
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                gw.dispatcher()
                        .table()
                        .model(MODEL)
                        .orElseThrow()
                        .readyBackends()
                        .get(0)
                        .generation()
                    == 2);
    HttpResponse<String> second =
        post(gw, turn("Name?", r1.path("id").asText(), false, null), null);
    assertEquals("2", second.headers().firstValue("x-backend-generation").orElseThrow());
    JsonNode r2 = response(second);
    assertNotEquals(r1.path("id").asText(), r2.path("id").asText());
    assertTrue(
        r2.path("usage").path("input_tokens").asLong()
            > r1.path("usage").path("input_tokens").asLong()
                + r1.path("usage").path("output_tokens").asLong());
    assertEquals(0.0, count("llama.gateway.conversation.affinity.hits"));
    assertFalse(second.body().contains("previous_response_id"));
  }

  @Test
  void twoGatewaysShareConversationsThroughRedis() throws Exception {
    assumeTrue(LocalRedis.installed(), "redis-server is not installed");
    LocalRedis redis = LocalRedis.start();
    closers.add(redis);
    GatewayServer first = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1));
    ConversationStore a = new RedisConversationStore(redis.url(), Duration.ofSeconds(2), TTL);
    ConversationStore b = new RedisConversationStore(redis.url(), Duration.ofSeconds(2), TTL);
    closers.add(a);
    closers.add(b);
    GatewayServer one = gateway(GatewayOptions.defaults(), 0, a);
    GatewayServer two = gateway(GatewayOptions.defaults(), 0, b);
    JsonNode r1 = response(post(one, turn("My name is Ada.", null, false, null), null));
    JsonNode r2 = response(post(two, turn("Name?", r1.path("id").asText(), true, null), null));
    assertTrue(
        r2.path("usage").path("input_tokens").asLong()
            > r1.path("usage").path("total_tokens").asLong());
    JsonNode r3 = response(post(one, turn("Thanks.", r2.path("id").asText(), false, null), null));
    assertEquals(200, Http.get(two.port(), "/v1/responses/" + r3.path("id").asText()).statusCode());
    assertEquals(
        404, Http.get(first.port(), "/v1/responses/" + r3.path("id").asText()).statusCode());

    redis.close(); // Redis gone: a 503 naming the store, never a silent 404
    HttpResponse<String> down =
        post(two, turn("Still?", r3.path("id").asText(), false, null), null);
    assertEquals(503, down.statusCode(), down.body());
    assertEquals(
        "conversation_store_unavailable",
        JSON.readTree(down.body()).path("error").path("code").asText());
  }

  @Test
  void lmStudioChatIsStatefulAndCarriesStats() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1));
    HttpResponse<String> first =
        Http.post(
            gw.port(),
            "/api/v1/chat",
            "{\"model\":\"chat\",\"input\":\"My favorite color is blue.\",\"system_prompt\":"
                + "\"Be brief.\",\"max_output_tokens\":4}");
    assertEquals(200, first.statusCode(), first.body());
    assertTrue(
        first.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
    JsonNode a = JSON.readTree(first.body());
    assertEquals(MODEL, a.path("model_instance_id").asText());
    assertEquals("message", a.path("output").get(0).path("type").asText());
    assertFalse(a.path("output").get(0).path("content").asText().isEmpty());
    JsonNode stats = a.path("stats");
    assertEquals(4, stats.path("total_output_tokens").asInt());
    assertTrue(stats.path("input_tokens").asInt() > 0, stats.toString());
    assertTrue(stats.path("tokens_per_second").asDouble() > 0, stats.toString());
    assertTrue(stats.path("time_to_first_token_seconds").asDouble() > 0, stats.toString());
    assertTrue(stats.has("queue_wait_seconds"), stats.toString());
    String id = a.path("response_id").asText();
    assertTrue(id.startsWith("resp_"), id);

    HttpResponse<String> second =
        Http.post(
            gw.port(),
            "/api/v1/chat",
            "{\"model\":\"chat\",\"input\":[{\"type\":\"message\",\"content\":\"Which color?\"}],"
                + "\"previous_response_id\":\""
                + id
                + "\",\"stream\":true,\"max_output_tokens\":3}");
    assertEquals(200, second.statusCode(), second.body());
    List<String> types = new ArrayList<>();
    JsonNode end = null;
    for (String line : second.body().split("\n")) {
      if (line.startsWith("data: ")) {
        JsonNode e = JSON.readTree(line.substring(6));
        types.add(e.path("type").asText());
        end = e;
      }
    }
    assertEquals("chat.start", types.get(0));
    assertEquals("message.start", types.get(1));
    assertEquals(3, types.stream().filter("message.delta"::equals).count(), types.toString());
    assertEquals(List.of("message.end", "chat.end"), types.subList(types.size() - 2, types.size()));
    JsonNode result = end.path("result");
    assertTrue(
        result.path("stats").path("input_tokens").asInt()
            > stats.path("input_tokens").asInt() + stats.path("total_output_tokens").asInt(),
        result.toString());
    // the same store as /v1/responses
    String next = result.path("response_id").asText();
    awaitStored(gw, next);
    assertEquals(
        404,
        Http.post(
                gw.port(),
                "/api/v1/chat",
                "{\"model\":\"chat\",\"input\":\"x\",\"previous_response_id\":\"resp_none\"}")
            .statusCode());
  }

  @Test
  void pipelinedTurnsOnOneConnectionAreAnsweredInOrder() throws Exception {
    GatewayServer gw = gateway(GatewayOptions.defaults(), 0, ready(alpha, 1));
    try (RawClient c = new RawClient(gw.port())) {
      String slow = "{\"model\":\"chat\",\"input\":\"One\",\"max_output_tokens\":12}";
      String fast = "{\"model\":\"chat\",\"input\":\"Two\",\"max_output_tokens\":1}";
      // the second and third wait behind the first; then the third behind the second
      c.post("/v1/responses", slow).post("/v1/responses", slow).post("/v1/responses", fast);
      List<Integer> produced = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        c.head();
        assertEquals(200, c.status);
        produced.add(JSON.readTree(c.body()).path("usage").path("output_tokens").asInt());
      }
      assertEquals(List.of(12, 12, 1), produced);
    }
  }

  /** Stores happen just after the answer: wait until {@code id} can be read. */
  private static void awaitStored(GatewayServer gw, String id) {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Http.get(gw.port(), "/v1/responses/" + id).statusCode() == 200);
  }
}
