package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /health}: UP with counts while the supervisor answers, 503 DOWN when it is stuck. */
class HealthControllerTest {
  ApiTestServer api;

  @BeforeEach
  void start() {
    api = new ApiTestServer();
  }

  @AfterEach
  void stop() {
    CountDownLatch stuck = api.fleet.stuck;
    if (stuck != null) {
      stuck.countDown();
    }
    api.close();
  }

  @Test
  void upWithCounts() {
    api.fleet.put(FakeFleet.accepted("a", null, "ready", "ready", 39001));
    api.fleet.put(FakeFleet.accepted("b", null, "failed", null, 0));
    HttpResponse<String> r = api.get("/health");
    assertEquals(200, r.statusCode());
    JsonNode body = Json.parse(r.body());
    assertEquals("UP", body.get("status").asText());
    assertEquals(2, body.get("models").asInt());
    assertEquals(1, body.get("readyModels").asInt());
    assertEquals(1, body.get("failedModels").asInt());
    assertEquals(api.registry.epoch(), body.get("routingEpoch").asText());
  }

  @Test
  void downWhenTheSupervisorDoesNotAnswer() {
    api.fleet.stuck = new CountDownLatch(1);
    HttpResponse<String> r = api.get("/health");
    assertEquals(503, r.statusCode());
    JsonNode body = Json.parse(r.body());
    assertEquals("DOWN", body.get("status").asText());
    assertEquals("the supervisor did not answer within 2000 ms", body.get("reason").asText());
  }
}
