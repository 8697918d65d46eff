package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Micronaut's own errors (no route, wrong method, wrong media type, oversize body) and failures
 * inside a handler answer with the API's JSON error body, never a stack trace.
 */
class ApiErrorsControllerTest {
  static ApiTestServer api;

  @BeforeAll
  static void start() {
    api = new ApiTestServer();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static JsonNode error(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        r.headers().toString());
    assertFalse(r.body().contains("\tat "), "no stack trace: " + r.body());
    assertFalse(r.body().contains("Exception"), "no exception names: " + r.body());
    JsonNode error = Json.parse(r.body()).get("error");
    assertEquals(code, error.get("code").asText(), r.body());
    assertFalse(error.get("message").asText().isBlank());
    return error;
  }

  @Test
  void unknownPathIs404() {
    JsonNode e = error(api.get("/api/v2/nothing"), 404, "not_found");
    assertTrue(e.get("message").asText().contains("/api/v2/nothing"), e.toString());
  }

  @Test
  void wrongMethodIs405() {
    error(
        api.send(
            HttpRequest.newBuilder(api.uri("/api/v1/routes"))
                .method("DELETE", HttpRequest.BodyPublishers.noBody())),
        405,
        "method_not_allowed");
    error(api.post("/health"), 405, "method_not_allowed");
  }

  @Test
  void unsupportedMediaTypeIs415() {
    error(
        api.send(
            HttpRequest.newBuilder(api.uri("/api/v1/rescan"))
                .header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<rescan/>"))),
        415,
        "unsupported_media_type");
  }

  @Test
  void oversizeBodyIs413() {
    error(
        api.send(
            HttpRequest.newBuilder(api.uri("/api/v1/rescan"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000]))),
        413,
        "payload_too_large");
  }

  @Test
  void failureInsideTheSupervisorIs500WithoutDetails() {
    api.fleet.put(FakeFleet.accepted("m", null, "ready", "ready", 39001));
    api.fleet.failNextLogs = new IllegalStateException("secret internal detail");
    JsonNode e = error(api.get("/api/v1/models/m/logs"), 500, "internal_error");
    assertFalse(e.get("message").asText().contains("secret"), e.toString());
  }

  @Test
  void curlStyleFormPostIsAccepted() {
    HttpResponse<String> r =
        api.send(
            HttpRequest.newBuilder(api.uri("/api/v1/rescan"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(202, r.statusCode(), r.body());
  }
}
