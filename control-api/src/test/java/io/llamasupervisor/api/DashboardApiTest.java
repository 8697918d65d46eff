package io.llamasupervisor.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.supervise.FleetEvent;
import io.llamasupervisor.supervisor.supervise.ReasonCode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's side of the API: its static files (types, caching, open without a key), {@code
 * whoami}, and {@code /api/v1/events} (hello, events with ids, resume after a reconnect).
 */
class DashboardApiTest {
  static final String OPS = "ops-key-0123456789abcdef";
  static final String VIEWER = "viewer-key-0123456789abc";

  ApiTestServer api;

  @AfterEach
  void tearDown() {
    if (api != null) {
      api.close();
    }
  }

  ApiTestServer withKeys() {
    return new ApiTestServer(
        List.of(
            ApiKey.plain("ops", ApiRole.OPERATE, OPS),
            ApiKey.plain("viewer", ApiRole.READ, VIEWER)));
  }

  @Test
  void staticFilesAreServedWithoutAKeyWithTypesAndRevalidation() {
    api = withKeys();
    HttpResponse<String> page = api.get("/ui");
    assertEquals(200, page.statusCode());
    assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElse(""));
    assertTrue(page.body().contains("<script type=\"module\" src=\"/ui/app.js\">"));
    assertEquals("no-cache", page.headers().firstValue("cache-control").orElse(""));
    assertTrue(page.headers().firstValue("content-security-policy").orElse("").contains("'self'"));
    assertEquals(200, api.get("/ui/").statusCode());

    HttpResponse<String> js = api.get("/ui/app.js");
    assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("content-type").get());
    String etag = js.headers().firstValue("etag").orElseThrow();
    assertEquals(304, api.get("/ui/app.js", "If-None-Match", etag).statusCode());
    assertEquals(
        "text/css; charset=utf-8",
        api.get("/ui/style.css").headers().firstValue("content-type").get());

    assertEquals(404, api.get("/ui/nothing.js").statusCode());
    assertEquals(404, api.get("/ui/..%2Fopenapi.yml").statusCode());
    // only the files are open: data still needs a key
    assertEquals(401, api.get("/api/v1/models").statusCode());
    assertEquals(401, api.post("/ui/app.js").statusCode());
  }

  @Test
  void whoamiTellsTheRoleOfTheKey() {
    api = withKeys();
    assertEquals(401, api.get("/api/v1/whoami").statusCode());
    var viewer = Json.parse(api.get("/api/v1/whoami", "Authorization", "Bearer " + VIEWER).body());
    assertEquals("viewer", viewer.get("name").asText());
    assertEquals("read", viewer.get("role").asText());
    assertTrue(viewer.get("keysRequired").asBoolean());
    assertEquals(
        "operate",
        Json.parse(api.get("/api/v1/whoami", "Authorization", "Bearer " + OPS).body())
            .get("role")
            .asText());
  }

  @Test
  void withoutKeysTheCallerIsAdmin() {
    api = new ApiTestServer();
    var me = Json.parse(api.get("/api/v1/whoami").body());
    assertEquals("admin", me.get("role").asText());
    assertFalse(me.get("keysRequired").asBoolean());
    assertTrue(me.get("name").isNull());
  }

  @Test
  void eventsStreamHelloThenEventsAndResumesAfterTheLastId() throws Exception {
    api = new ApiTestServer();
    try (SseReader first = open()) {
      assertFalse(Json.parse(next(first, "hello", 0).data()).get("resumed").asBoolean());
      api.fleet.emit(event(1, "starting"));
      api.fleet.emit(event(2, "ready"));
      SseReader.Event one = next(first, "state", 0);
      SseReader.Event two = next(first, "state", 1);
      assertTrue(one.id().endsWith(".1"), one.id());
      assertEquals(one.id().replace(".1", ".2"), two.id());
      assertEquals("ready", Json.parse(two.data()).get("to").asText());
      assertEquals("ready", Json.parse(two.data()).get("modelState").asText());
      assertEquals("state", Json.parse(two.data()).get("kind").asText().toLowerCase());

      // missed while disconnected: replayed after the id the client saw last
      first.close();
      api.fleet.emit(event(3, "draining"));
      try (SseReader again = open("Last-Event-ID", two.id())) {
        var hello = Json.parse(next(again, "hello", 0).data());
        assertTrue(hello.get("resumed").asBoolean());
        assertEquals(1, hello.get("replayed").asInt());
        SseReader.Event three = next(again, "state", 0);
        assertEquals("draining", Json.parse(three.data()).get("to").asText());
        assertEquals(one.id().replace(".1", ".3"), three.id());
      }
    }
    // an id of another run: nothing replayed, the client must reload
    try (SseReader foreign = open("Last-Event-ID", "other-run.2")) {
      var hello = Json.parse(next(foreign, "hello", 0).data());
      assertFalse(hello.get("resumed").asBoolean());
      assertEquals(0, hello.get("replayed").asInt());
    }
  }

  private SseReader open(String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(api.uri("/api/v1/events")).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    HttpResponse<java.io.InputStream> r =
        api.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    return new SseReader(r.body());
  }

  private static SseReader.Event next(SseReader r, String name, int index) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> r.events.stream().filter(e -> name.equals(e.name())).skip(index).findFirst(),
            java.util.Optional::isPresent)
        .get();
  }

  static FleetEvent event(long seq, String to) {
    return new FleetEvent(
        seq,
        Instant.parse("2026-03-01T12:00:00Z").plusSeconds(seq),
        FleetEvent.Kind.STATE,
        "pub/repo/m",
        to,
        2,
        39001,
        "starting",
        to,
        ReasonCode.READY,
        "ready after 10 ms",
        null);
  }
}
