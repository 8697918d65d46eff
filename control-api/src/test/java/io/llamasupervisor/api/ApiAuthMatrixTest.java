package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who may do what: no key, a wrong key, and each role (the operator's key configured only as its
 * SHA-256) over read endpoints, commands, open endpoints and an unknown path.
 */
class ApiAuthMatrixTest {
  static final String READER = "reader-key-0123456789";
  static final String OPERATOR = "operator-key-0123456789";
  static final String ADMIN = "admin-key-0123456789abc";
  static final Map<String, String> KEYS =
      Map.of(
          "none",
          "",
          "wrong",
          "wrong-key-0123456789",
          "read",
          READER,
          "operate",
          OPERATOR,
          "admin",
          ADMIN);

  static ApiTestServer api;

  @BeforeAll
  static void start() throws Exception {
    String operatorHash =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(OPERATOR.getBytes(StandardCharsets.UTF_8)));
    api =
        new ApiTestServer(
            List.of(
                ApiKey.plain("dashboards", ApiRole.READ, READER),
                ApiKey.hashed("ops", ApiRole.OPERATE, "sha256:" + operatorHash),
                ApiKey.plain("root", ApiRole.ADMIN, ADMIN)));
    api.fleet.put(FakeFleet.accepted("m", null, "ready", "ready", 39001));
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @ParameterizedTest(name = "{0} {1} with {2} key -> {3}")
  @CsvSource({
    "GET, /api/v1/routes, none, 401",
    "GET, /api/v1/routes, wrong, 401",
    "GET, /api/v1/routes, read, 200",
    "GET, /api/v1/routes, operate, 200",
    "GET, /api/v1/routes, admin, 200",
    "GET, /api/v1/models/m, none, 401",
    "GET, /api/v1/models/m, read, 200",
    "GET, /api/v1/litellm, read, 200",
    "GET, /metrics, none, 401",
    "GET, /metrics, read, 200",
    "POST, /api/v1/models/m/restart, none, 401",
    "POST, /api/v1/models/m/restart, wrong, 401",
    "POST, /api/v1/models/m/restart, read, 403",
    "POST, /api/v1/models/m/restart, operate, 202",
    "POST, /api/v1/models/m/restart, admin, 202",
    "POST, /api/v1/rescan, read, 403",
    "POST, /api/v1/rescan, operate, 202",
    "DELETE, /api/v1/routes, operate, 403",
    "DELETE, /api/v1/routes, admin, 405",
    "GET, /health, none, 200",
    "GET, /openapi.yml, none, 200",
    "GET, /no/such/path, none, 401",
    "GET, /no/such/path, read, 404",
  })
  void matrix(String method, String path, String key, int expected) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(api.uri(path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (!KEYS.get(key).isEmpty()) {
      b.header("Authorization", "Bearer " + KEYS.get(key));
    }
    HttpResponse<String> r = api.send(b);
    assertEquals(expected, r.statusCode(), r.body());
    if (expected == 401) {
      assertEquals("unauthorized", Json.parse(r.body()).at("/error/code").asText(), r.body());
      assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    }
    if (expected == 403) {
      assertEquals("forbidden", Json.parse(r.body()).at("/error/code").asText(), r.body());
    }
  }

  @Test
  void otherSchemesAndMalformedHeadersAreRejected() {
    for (String header :
        List.of("Basic " + READER, "Bearer", "Bearer ", READER, "Bearer  " + READER + "x")) {
      assertEquals(401, api.get("/api/v1/routes", "Authorization", header).statusCode(), header);
    }
    assertEquals(200, api.get("/api/v1/routes", "Authorization", "bearer " + READER).statusCode());
  }

  @Test
  void forbiddenNamesTheKeyAndTheRoleNeeded() {
    HttpResponse<String> r = api.post("/api/v1/rescan", "Authorization", "Bearer " + READER);
    String message = Json.parse(r.body()).at("/error/message").asText();
    assertTrue(message.contains("dashboards") && message.contains("operate"), message);
  }
}
