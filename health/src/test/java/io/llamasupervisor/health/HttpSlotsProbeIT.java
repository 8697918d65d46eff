package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link HttpSlotsProbe} against a server replaying the real captures. */
class HttpSlotsProbeIT {
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final String LOADED = "endpoints.json";

  private final HttpSlotsProbe probe = new HttpSlotsProbe();
  private TestHttpServer server;

  @AfterEach
  void closeServer() {
    if (server != null) {
      server.close();
    }
  }

  private static TestHttpServer.Reply captured(String key) {
    return TestHttpServer.Reply.json(Captures.status(LOADED, key), Captures.body(LOADED, key));
  }

  @Test
  void readsSlots() throws Exception {
    server = new TestHttpServer().route("GET /slots", captured("GET /slots (after requests)"));
    SlotsResult r = probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
    assertEquals(new SlotsResult.Known(0, OptionalInt.of(2), SlotsResult.Source.SLOTS), r);
    assertEquals(0, server.count("/metrics"));
  }

  @Test
  void fallsBackToMetricsAndPropsWhenSlotsAreDisabled() throws Exception {
    String busyMetrics =
        Captures.text("metrics.txt")
            .replace("llamacpp:requests_processing 0", "llamacpp:requests_processing 1");
    server =
        new TestHttpServer()
            .route("GET /slots", captured("noslots /slots"))
            .route(
                "GET /metrics",
                new TestHttpServer.Reply(200, busyMetrics, "text/plain; version=0.0.4"))
            .route("GET /props", TestHttpServer.Reply.json(200, Captures.text("props.json")));
    SlotsResult r = probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
    assertEquals(new SlotsResult.Known(1, OptionalInt.of(2), SlotsResult.Source.METRICS), r);
    assertEquals("1 of 2 slots busy (from /metrics)", r.message());
  }

  @Test
  void metricsWithoutPropsStillGiveTheBusyCount() throws Exception {
    server =
        new TestHttpServer()
            .route("GET /slots", captured("noslots /slots"))
            .route(
                "GET /metrics",
                new TestHttpServer.Reply(200, Captures.text("metrics.txt"), "text/plain"));
    SlotsResult r = probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
    assertEquals(new SlotsResult.Known(0, OptionalInt.empty(), SlotsResult.Source.METRICS), r);
  }

  @Test
  void bothDisabledIsNotSupported() throws Exception {
    server =
        new TestHttpServer()
            .route("GET /slots", captured("noslots /slots"))
            .route("GET /metrics", captured("noslots /metrics"));
    SlotsResult r = probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
    assertEquals(ProbeReason.NOT_SUPPORTED, r.reason());
    assertEquals(
        "/slots and /metrics are both disabled (start llama-server with --slots or --metrics)",
        r.message());
  }

  @Test
  void loadingServerSaysLoading() throws Exception {
    server = new TestHttpServer().route("GET /slots", TestHttpServer.LOADING);
    SlotsResult r = probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
    assertEquals(new SlotsResult.Unavailable(ProbeReason.LOADING, "/slots: 503 Loading model"), r);
  }

  @Test
  void hungServerTimesOut() throws Exception {
    try (SilentServer silent = new SilentServer(false)) {
      SlotsResult r = probe.probe(silent.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
      assertInstanceOf(SlotsResult.Unavailable.class, r);
      assertEquals(ProbeReason.PROBE_TIMEOUT, r.reason());
    }
  }
}
