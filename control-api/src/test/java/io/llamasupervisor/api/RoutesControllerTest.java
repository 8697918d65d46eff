package io.llamasupervisor.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingTable;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@code /api/v1/routes}, its stream and the LiteLLM export through the real server. */
class RoutesControllerTest {
  static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  ApiTestServer api;

  @BeforeEach
  void start() {
    api = new ApiTestServer(List.of(), Map.of("supervisor.api.sse-heartbeat", "300ms"));
  }

  @AfterEach
  void stop() {
    api.close();
  }

  RoutingTable publish(String id, BackendState... states) {
    return api.registry.update(
        b -> {
          ModelRoute m = ModelRoute.of(id, null, "ready");
          for (int g = 0; g < states.length; g++) {
            m = m.withBackend(BackendRoute.of("127.0.0.1", 39000 + g, g + 1, states[g], T, 4, 4));
          }
          return b.put(m);
        });
  }

  @Test
  void tableWithEtagAndEpoch() throws Exception {
    RoutingTable t = publish("m", BackendState.READY);
    HttpResponse<String> r = api.get("/api/v1/routes");
    assertEquals(200, r.statusCode());
    assertEquals("\"" + t.version() + "\"", r.headers().firstValue("ETag").orElseThrow());
    assertEquals(api.registry.epoch(), r.headers().firstValue("X-Registry-Epoch").orElseThrow());
    RoutingTable read = RoutingJson.readTable(r.body());
    assertEquals(t, read);
  }

  @Test
  void ifNoneMatchAnswers304WithEpochUntilTheTableChanges() {
    RoutingTable t = publish("m", BackendState.READY);
    String tag = "\"" + t.version() + "\"";
    HttpResponse<String> same = api.get("/api/v1/routes", "If-None-Match", tag);
    assertEquals(304, same.statusCode());
    assertEquals(tag, same.headers().firstValue("ETag").orElseThrow());
    assertEquals(api.registry.epoch(), same.headers().firstValue("X-Registry-Epoch").orElseThrow());
    publish("m", BackendState.READY, BackendState.STARTING);
    assertEquals(200, api.get("/api/v1/routes", "If-None-Match", tag).statusCode());
  }

  @Test
  void blockingQueryAnswersOnTheNextChange() throws Exception {
    RoutingTable t = publish("m", BackendState.STARTING);
    CompletableFuture<HttpResponse<String>> pending =
        api.http.sendAsync(
            HttpRequest.newBuilder(api.uri("/api/v1/routes?index=" + t.version() + "&wait=30s"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> api.registry.pendingWaiters() == 1);
    RoutingTable next = publish("m", BackendState.READY);
    HttpResponse<String> r = pending.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(200, r.statusCode());
    assertEquals(next.version(), RoutingJson.readTable(r.body()).version());
    assertEquals("\"" + next.version() + "\"", r.headers().firstValue("ETag").orElseThrow());
  }

  @Test
  void oneChangeAnswersEveryPendingBlockingQueryWithTheSameNewTableAndNoneBefore()
      throws Exception {
    RoutingTable t = publish("m", BackendState.STARTING);
    List<CompletableFuture<HttpResponse<String>>> pending = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pending.add(
          api.http.sendAsync(
              HttpRequest.newBuilder(api.uri("/api/v1/routes?index=" + t.version() + "&wait=30s"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> api.registry.pendingWaiters() == 40);
    assertTrue(pending.stream().noneMatch(CompletableFuture::isDone), "nothing before the change");

    RoutingTable next = publish("m", BackendState.READY);

    String first = null;
    for (CompletableFuture<HttpResponse<String>> p : pending) {
      HttpResponse<String> r = p.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(200, r.statusCode());
      assertEquals("\"" + next.version() + "\"", r.headers().firstValue("ETag").orElseThrow());
      first = first == null ? r.body() : first;
      assertEquals(first, r.body(), "every watcher gets the same bytes");
    }
    assertEquals(next, RoutingJson.readTable(first));
    assertEquals(0, api.registry.pendingWaiters());
  }

  @Test
  void blockingQueryTimesOutWithTheSameVersion() throws Exception {
    RoutingTable t = publish("m", BackendState.READY);
    long start = System.nanoTime();
    HttpResponse<String> r = api.get("/api/v1/routes?index=" + t.version() + "&wait=300ms");
    long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
    assertEquals(200, r.statusCode());
    assertEquals(t.version(), RoutingJson.readTable(r.body()).version());
    assertTrue(ms >= 300, "held for the wait, was " + ms + " ms");
  }

  @Test
  void blockingQueryFromAnotherEpochAnswersAtOnce() throws Exception {
    RoutingTable t = publish("m", BackendState.READY);
    HttpResponse<String> r =
        api.get(
            "/api/v1/routes?index=" + t.version() + "&wait=5m", "X-Registry-Epoch", "other-run");
    assertEquals(200, r.statusCode());
    assertEquals(api.registry.epoch(), r.headers().firstValue("X-Registry-Epoch").orElseThrow());
    assertEquals(0, api.registry.pendingWaiters());
  }

  /** Micronaut does not cancel a pending result when the client leaves; the controller does. */
  @Test
  void blockingQueryOfAClientThatLeftIsDropped() throws Exception {
    RoutingTable t = publish("m", BackendState.READY);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), api.server.port())) {
      s.getOutputStream()
          .write(
              ("GET /api/v1/routes?index="
                      + t.version()
                      + "&wait=5m HTTP/1.1\r\n"
                      + "Host: localhost\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> api.registry.pendingWaiters() == 1);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> api.registry.pendingWaiters() == 0);
  }

  @Test
  void malformedIndexOrWaitIs400WithJsonError() {
    for (String q :
        List.of("index=-1", "index=abc", "index=1&wait=abc", "index=1&wait=-5s", "wait=10")) {
      HttpResponse<String> r = api.get("/api/v1/routes?" + q);
      assertEquals(400, r.statusCode(), q);
      JsonNode error = Json.parse(r.body()).get("error");
      assertEquals("bad_request", error.get("code").asText(), q);
      assertTrue(error.get("message").asText().startsWith("invalid"), error.toString());
    }
  }

  @Test
  void streamSendsTheTableOnConnectAndOnEveryChange() throws Exception {
    RoutingTable first = publish("m", BackendState.STARTING);
    try (SseReader sse = openStream()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> sse.events.size() == 1);
      assertEquals(Long.toString(first.version()), sse.events.get(0).id());
      assertEquals(first, RoutingJson.readTable(sse.events.get(0).data()));
      RoutingTable second = publish("m", BackendState.READY);
      await().atMost(Duration.ofSeconds(5)).until(() -> sse.events.size() == 2);
      assertEquals(Long.toString(second.version()), sse.events.get(1).id());
      assertEquals(second, RoutingJson.readTable(sse.events.get(1).data()));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> api.registry.subscriberCount() == 0);
  }

  @Test
  void idleStreamGetsPingsThatPlainMessageListenersIgnore() throws Exception {
    publish("m", BackendState.READY);
    try (SseReader sse = openStream()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> sse.pings.size() >= 3);
      assertEquals(1, sse.events.size(), "only the table is a message");
      assertEquals("ping", sse.pings.get(0).name());
    }
  }

  @Test
  void reconnectWithTheCurrentLastEventIdIsNotSentTheTableAgain() throws Exception {
    RoutingTable t = publish("m", BackendState.READY);
    try (SseReader sse = openStream("Last-Event-ID", Long.toString(t.version()))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> api.registry.subscriberCount() == 1);
      RoutingTable next = publish("m", BackendState.READY, BackendState.STARTING);
      await().atMost(Duration.ofSeconds(5)).until(() -> !sse.events.isEmpty());
      assertEquals(List.of(Long.toString(next.version())), ids(sse));
    }
  }

  @Test
  void reconnectWithAnOlderLastEventIdGetsTheCurrentTable() throws Exception {
    publish("m", BackendState.STARTING);
    RoutingTable t = publish("m", BackendState.READY);
    try (SseReader sse = openStream("Last-Event-ID", Long.toString(t.version() - 1))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !sse.events.isEmpty());
      assertEquals(List.of(Long.toString(t.version())), ids(sse));
    }
  }

  @Test
  void reconnectFromAnotherEpochGetsTheTableEvenAtTheSameVersion() throws Exception {
    RoutingTable t = publish("m", BackendState.READY);
    try (SseReader sse =
        openStream(
            "Last-Event-ID", Long.toString(t.version()), "X-Registry-Epoch", "previous-run")) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !sse.events.isEmpty());
      assertEquals(t, RoutingJson.readTable(sse.events.get(0).data()));
    }
  }

  @Test
  void liteLlmExportListsReadyBackendsAsJsonOrYaml() {
    publish("qwen", BackendState.READY, BackendState.STARTING);
    HttpResponse<String> json = api.get("/api/v1/litellm");
    assertEquals(200, json.statusCode());
    JsonNode list = Json.parse(json.body()).get("model_list");
    assertEquals(1, list.size(), json.body());
    assertEquals("qwen", list.at("/0/model_name").asText());
    assertEquals("openai/qwen", list.at("/0/litellm_params/model").asText());
    assertEquals("http://127.0.0.1:39000/v1", list.at("/0/litellm_params/api_base").asText());

    for (HttpResponse<String> yaml :
        List.of(
            api.get("/api/v1/litellm?format=yaml"),
            api.get("/api/v1/litellm", "Accept", "application/yaml"))) {
      assertEquals(200, yaml.statusCode());
      assertTrue(yaml.headers().firstValue("Content-Type").orElseThrow().contains("yaml"));
      Map<String, Object> doc = new Yaml().load(yaml.body());
      List<?> entries = (List<?>) doc.get("model_list");
      assertEquals(1, entries.size());
      assertEquals(
          "http://127.0.0.1:39000/v1",
          ((Map<?, ?>) ((Map<?, ?>) entries.get(0)).get("litellm_params")).get("api_base"));
    }
    assertEquals(400, api.get("/api/v1/litellm?format=xml").statusCode());
  }

  private SseReader openStream(String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(api.uri("/api/v1/routes/stream")).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    HttpResponse<InputStream> r =
        api.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(
        r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
    return new SseReader(r.body());
  }

  private static List<String> ids(SseReader sse) {
    return sse.events.stream().map(SseReader.Event::id).toList();
  }
}
