package io.llamasupervisor.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/models...} and {@code /api/v1/rescan} through the real server. */
class ModelsControllerTest {
  static final String QWEN = "lmstudio-community/Qwen2-0.5B-GGUF/qwen2-0_5b-instruct-q8_0";
  static final String BROKEN = "broken/truncated";

  static ApiTestServer api;

  @BeforeAll
  static void start() {
    api = new ApiTestServer();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @BeforeEach
  void models() {
    api.fleet.commands.clear();
    api.fleet.put(FakeFleet.accepted(QWEN, "qwen2-0_5b-instruct-q8_0", "ready", "ready", 39001));
    api.fleet.put(FakeFleet.accepted("flat", null, "stopped", null, 0));
    api.fleet.put(FakeFleet.rejected(BROKEN));
    api.fleet.setLogs(QWEN, List.of("line 1", "line 2", "line 3"));
  }

  @Test
  void listsEveryModelWithVerdictPlanAndInstances() {
    HttpResponse<String> r = api.get("/api/v1/models");
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
    JsonNode models = Json.parse(r.body()).get("models");
    assertEquals(3, models.size());
    JsonNode qwen = models.get(2);
    assertEquals(QWEN, qwen.get("id").asText());
    assertEquals("accepted", qwen.at("/catalog/verdict").asText());
    assertEquals("llama", qwen.at("/catalog/summary/architecture").asText());
    assertTrue(qwen.at("/plan/argv").toString().contains("<port>"), qwen.toString());
    assertEquals("q8_0", qwen.at("/plan/cacheTypeK").asText());
    assertTrue(qwen.at("/plan/memory/totalBytes").asLong() > 0);
    assertEquals(
        qwen.at("/plan/memory/totalBytes").asLong(),
        qwen.at("/plan/memory/devices/cpu/totalBytes").asLong(),
        "the estimate per device, all on cpu without a GPU");
    assertTrue(qwen.at("/memory/measured").isNull(), "nothing measured yet: " + qwen);
    assertTrue(qwen.at("/memory/measuredBytes").isNull(), qwen.toString());
    assertEquals(
        qwen.at("/plan/memory/totalBytes").asLong(), qwen.at("/memory/estimatedBytes").asLong());
    assertEquals(4242, qwen.at("/instances/0/pid").asLong());
    assertEquals("ready", qwen.at("/instances/0/state").asText());
    assertEquals("READY", qwen.at("/lastDecision/code").asText());
    assertEquals("2026-03-01T12:00:03Z", qwen.at("/instances/0/since").asText());
  }

  @Test
  void modelIdsWithSlashesAndAliasesResolve() {
    JsonNode byId = Json.parse(api.get("/api/v1/models/" + QWEN).body());
    assertEquals(QWEN, byId.get("id").asText());
    JsonNode byAlias = Json.parse(api.get("/api/v1/models/qwen2-0_5b-instruct-q8_0").body());
    assertEquals(QWEN, byAlias.get("id").asText());
  }

  @Test
  void aModelShowsHowItIsServed() {
    JsonNode m = Json.parse(api.get("/api/v1/models/" + QWEN).body());
    assertEquals("always", m.get("startMode").asText());
    assertTrue(m.get("ttl").isNull());
    assertEquals(1, m.get("replicas").asInt());
    assertEquals(0, m.at("/instances/0/replica").asInt(), m.toString());
  }

  @Test
  void rejectedModelShowsReasonAndNoPlan() {
    JsonNode m = Json.parse(api.get("/api/v1/models/" + BROKEN).body());
    assertEquals("rejected", m.at("/catalog/verdict").asText());
    assertEquals("TRUNCATED", m.at("/catalog/reason").asText());
    assertTrue(m.get("plan").isNull());
  }

  @Test
  void unknownModelIs404WithJsonError() {
    HttpResponse<String> r = api.get("/api/v1/models/no/such/model");
    assertEquals(404, r.statusCode());
    assertEquals("model_not_found", Json.parse(r.body()).at("/error/code").asText());
    HttpResponse<String> logs = api.get("/api/v1/models/no/such/logs");
    assertEquals(404, logs.statusCode());
    assertEquals("model_not_found", Json.parse(logs.body()).at("/error/code").asText());
  }

  @Test
  void logsReturnTheLastLines() {
    JsonNode all = Json.parse(api.get("/api/v1/models/" + QWEN + "/logs").body());
    assertEquals(QWEN, all.get("model").asText());
    assertEquals(3, all.get("lines").size());
    JsonNode two = Json.parse(api.get("/api/v1/models/" + QWEN + "/logs?lines=2").body());
    assertEquals("line 2", two.at("/lines/0").asText());
    assertEquals("line 3", two.at("/lines/1").asText());
  }

  @Test
  void malformedLinesAndFollowAre400() {
    for (String q : List.of("lines=0", "lines=-3", "lines=abc", "lines=10001", "follow=maybe")) {
      HttpResponse<String> r = api.get("/api/v1/models/" + QWEN + "/logs?" + q);
      assertEquals(400, r.statusCode(), q);
      assertEquals("bad_request", Json.parse(r.body()).at("/error/code").asText(), q);
    }
  }

  @Test
  void followStreamsTheTailThenNewLinesUntilTheClientLeaves() throws Exception {
    HttpResponse<InputStream> r =
        api.http.send(
            HttpRequest.newBuilder(api.uri("/api/v1/models/" + QWEN + "/logs?follow=true&lines=2"))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(
        r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
    SseReader sse = new SseReader(r.body());
    await().atMost(Duration.ofSeconds(5)).until(() -> sse.data().size() == 2);
    assertEquals(List.of("line 2", "line 3"), sse.data());
    api.fleet.appendLogs(QWEN, "line 4", "line 5");
    await().atMost(Duration.ofSeconds(5)).until(() -> sse.data().size() == 4);
    assertEquals(List.of("line 2", "line 3", "line 4", "line 5"), sse.data());
    sse.close();
    // the server stops polling the fleet once the client is gone
    AtomicInteger last = new AtomicInteger(-1);
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(750))
        .until(() -> last.getAndSet(api.fleet.logCalls.get()) == api.fleet.logCalls.get());
  }

  @Test
  void followEndsWhenTheModelIsGone() throws Exception {
    api.fleet.put(FakeFleet.accepted("short-lived", null, "ready", "ready", 39002));
    api.fleet.setLogs("short-lived", List.of("hello"));
    HttpResponse<InputStream> r =
        api.http.send(
            HttpRequest.newBuilder(api.uri("/api/v1/models/short-lived/logs?follow=true"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    SseReader sse = new SseReader(r.body());
    await().atMost(Duration.ofSeconds(5)).until(() -> sse.data().equals(List.of("hello")));
    api.fleet.remove("short-lived");
    await().atMost(Duration.ofSeconds(5)).until(sse::ended);
  }

  @Test
  void commandsAnswer202WithWhatWillHappen() {
    HttpResponse<String> r = api.post("/api/v1/models/" + QWEN + "/restart");
    assertEquals(202, r.statusCode());
    JsonNode body = Json.parse(r.body());
    assertEquals(QWEN, body.get("model").asText());
    assertEquals("restart", body.get("action").asText());
    assertTrue(body.get("message").asText().contains("blue-green"), body.toString());
    assertEquals(202, api.post("/api/v1/models/qwen2-0_5b-instruct-q8_0/stop").statusCode());
    assertEquals(202, api.post("/api/v1/models/flat/start").statusCode());
    assertEquals(List.of("restart " + QWEN, "stop " + QWEN, "start flat"), api.fleet.commands);
  }

  @Test
  void loadAndUnloadAnswer202WithWhatWillHappen() {
    HttpResponse<String> load = api.post("/api/v1/models/flat/load");
    assertEquals(202, load.statusCode(), load.body());
    assertTrue(Json.parse(load.body()).get("message").asText().contains("loading"), load.body());
    HttpResponse<String> unload = api.post("/api/v1/models/" + QWEN + "/unload");
    assertEquals(202, unload.statusCode(), unload.body());
    assertTrue(Json.parse(unload.body()).get("message").asText().contains("drain"), unload.body());
    assertEquals(List.of("load flat", "unload " + QWEN), api.fleet.commands);
  }

  @Test
  void theMemoryReportListsDevicesModelsAndWaitingStarts() {
    api.fleet.memory =
        new io.llamasupervisor.supervisor.memory.MemoryReport(
            true,
            List.of(
                new io.llamasupervisor.supervisor.memory.MemoryReport.Device(
                    "cpu", 3000L, 1000L, 2000L, 1500L, 500L, null, null)),
            List.of(
                new io.llamasupervisor.supervisor.memory.MemoryReport.ModelUse(
                    QWEN, "ready", java.util.Map.of("cpu", 1500L), 1500L, null, 1)),
            List.of(
                new io.llamasupervisor.supervisor.memory.MemoryReport.WaitingStart(
                    "flat", "waits for memory: needs 1.0 KiB", FakeFleet.T0)));
    try {
      HttpResponse<String> r = api.get("/api/v1/memory");
      assertEquals(200, r.statusCode(), r.body());
      JsonNode body = Json.parse(r.body());
      assertTrue(body.get("scheduled").asBoolean());
      assertEquals(500, body.at("/devices/0/freeBytes").asLong(), body.toString());
      assertEquals(1500, body.at("/models/0/bytes/cpu").asLong(), body.toString());
      assertEquals("flat", body.at("/waiting/0/model").asText(), body.toString());
    } finally {
      api.fleet.memory = io.llamasupervisor.supervisor.memory.MemoryReport.NONE;
    }
  }

  @Test
  void commandOnUnknownModelIs404AndOnRejectedModel409() {
    HttpResponse<String> unknown = api.post("/api/v1/models/nope/start");
    assertEquals(404, unknown.statusCode());
    assertEquals("model_not_found", Json.parse(unknown.body()).at("/error/code").asText());
    HttpResponse<String> rejected = api.post("/api/v1/models/" + BROKEN + "/restart");
    assertEquals(409, rejected.statusCode());
    JsonNode error = Json.parse(rejected.body()).get("error");
    assertEquals("model_rejected", error.get("code").asText());
    assertTrue(error.get("message").asText().contains("TRUNCATED"), error.toString());
    assertTrue(api.fleet.commands.isEmpty());
  }

  @Test
  void wrongMethodOnAModelIs405() {
    assertEquals(405, api.post("/api/v1/models/" + QWEN).statusCode());
    HttpResponse<String> getCommand = api.get("/api/v1/models/" + QWEN + "/restart");
    assertEquals(405, getCommand.statusCode());
    assertEquals("method_not_allowed", Json.parse(getCommand.body()).at("/error/code").asText());
    assertEquals(404, api.post("/api/v1/models/" + QWEN + "/explode").statusCode());
    assertTrue(api.fleet.commands.isEmpty());
  }

  @Test
  void rescanIsAcceptedAndRunsInTheBackground() {
    int before = api.fleet.rescans.get();
    HttpResponse<String> r = api.post("/api/v1/rescan");
    assertEquals(202, r.statusCode());
    assertEquals("rescan", Json.parse(r.body()).get("action").asText());
    await().atMost(Duration.ofSeconds(5)).until(() -> api.fleet.rescans.get() == before + 1);
  }
}
