package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.llamasupervisor.health.Captures;
import io.llamasupervisor.health.PrometheusText;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.supervisor.catalog.CatalogEvent;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.llamasupervisor.supervisor.supervise.ReasonCode;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics}: the supervisor's series and each READY instance's {@code llamacpp:*} series
 * relabeled, instances fetched concurrently with a short timeout. The instances serve the real
 * llama-server b10470 {@code /metrics} capture.
 */
class MetricsControllerTest {
  static final String LLAMA_METRICS = Captures.text("metrics.txt");

  ApiTestServer api;
  final List<HttpServer> backends = new ArrayList<>();
  final List<ServerSocket> sockets = new ArrayList<>();

  @BeforeEach
  void start() {
    api = new ApiTestServer();
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    backends.forEach(s -> s.stop(0));
    for (ServerSocket s : sockets) {
      s.close();
    }
  }

  /** A backend answering {@code /metrics} with {@code text}, and 404 to {@code /slots}. */
  int backend(String text) throws Exception {
    return backend(text, null);
  }

  /**
   * A backend answering {@code /metrics} with {@code text} and {@code /slots} with {@code slots}.
   */
  int backend(String text, String slots) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext("/metrics", ex -> answer(ex, "text/plain; version=0.0.4", text));
    if (slots != null) {
      s.createContext("/slots", ex -> answer(ex, "application/json", slots));
    }
    s.start();
    backends.add(s);
    return s.getAddress().getPort();
  }

  private static void answer(com.sun.net.httpserver.HttpExchange ex, String type, String text)
      throws java.io.IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** A port that accepts connections but never answers. */
  int silentPort() throws Exception {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    sockets.add(s);
    return s.getLocalPort();
  }

  Scraped scrape() {
    HttpResponse<String> r = api.get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(
        r.headers()
            .firstValue("Content-Type")
            .orElseThrow()
            .startsWith("text/plain; version=0.0.4"));
    return new Scraped(r.body());
  }

  @Test
  void everySeriesOfTheRealServerIsRelabeledWithModelAndGeneration() throws Exception {
    api.fleet.put(FakeFleet.accepted("org/a", null, "ready", "ready", backend(LLAMA_METRICS)));
    Scraped m = scrape();
    List<PrometheusText.Family> real = PrometheusText.parse(LLAMA_METRICS);
    assertFalse(real.isEmpty());
    for (PrometheusText.Family f : real) {
      PrometheusText.Family out = m.family(f.name());
      assertEquals(f.type(), out.type(), f.name());
      assertEquals(f.help(), out.help(), f.name());
      for (PrometheusText.Sample s : f.samples()) {
        m.assertValue(s.number(), s.name(), "model", "org/a", "generation", "1");
      }
    }
    m.assertValue(1, "llama_supervisor_backend_metrics_up", "model", "org/a", "generation", "1");
  }

  @Test
  void kvCacheUsageOfEachReadyInstanceIsReadFromItsSlots() throws Exception {
    String busy =
        """
        [{"id":0,"n_ctx":512,"is_processing":true,"n_prompt_tokens":100,
          "next_token":[{"n_decoded":28}]},
         {"id":1,"n_ctx":512,"is_processing":false}]
        """;
    api.fleet.put(FakeFleet.accepted("busy", null, "ready", "ready", backend(LLAMA_METRICS, busy)));
    api.fleet.put(FakeFleet.accepted("noslots", null, "ready", "ready", backend(LLAMA_METRICS)));
    Scraped m = scrape();
    m.assertValue(0.125, "llama_supervisor_kv_cache_usage_ratio", "model", "busy");
    m.assertAbsent("llama_supervisor_kv_cache_usage_ratio", "model", "noslots");
    m.assertValue(1, "llama_supervisor_backend_metrics_up", "model", "noslots");
  }

  @Test
  void supervisorSeries() throws Exception {
    api.fleet.put(FakeFleet.accepted("org/a", null, "ready", "ready", backend(LLAMA_METRICS)));
    api.fleet.put(FakeFleet.accepted("org/b", null, "ready", "ready", backend(LLAMA_METRICS)));
    api.fleet.put(FakeFleet.accepted("c", null, "starting", "starting", 1));
    api.fleet.put(FakeFleet.rejected("broken"));
    api.registry.update(b -> b.put(ModelRoute.of("org/a", null, "ready")));
    api.meters.restarted("org/a", ReasonCode.EXITED);
    api.meters.restarted("org/a", ReasonCode.EXITED);
    api.meters.restarted("org/a", ReasonCode.OPERATOR_RESTART);
    api.meters.ready("org/a", 1, Duration.ofMillis(1500));
    api.meters.ready("org/a", 2, Duration.ofSeconds(45));
    ModelStatus ok = FakeFleet.accepted("org/a", null, "ready", null, 0);
    api.meters.onEvent(new CatalogEvent(CatalogEvent.Type.ADDED, ok.entry(), null));
    api.meters.onEvent(
        new CatalogEvent(CatalogEvent.Type.REJECTED, FakeFleet.rejected("broken").entry(), null));

    Scraped m = scrape();
    m.assertValue(1, "llama_supervisor_backend_metrics_up", "model", "org/b", "generation", "1");
    m.assertValue(2, "llama_supervisor_models", "state", "ready");
    m.assertValue(1, "llama_supervisor_models", "state", "rejected");
    m.assertValue(1, "llama_supervisor_instances", "model", "c", "state", "starting");
    m.assertValue(1, "llama_supervisor_instances", "model", "org/a", "state", "ready");
    m.assertValue(2, "llama_supervisor_restarts_total", "model", "org/a", "reason", "exited");
    m.assertValue(
        1, "llama_supervisor_restarts_total", "model", "org/a", "reason", "operator_restart");
    assertEquals("histogram", m.family("llama_supervisor_time_to_ready_seconds").type());
    m.assertValue(
        1, "llama_supervisor_time_to_ready_seconds_bucket", "model", "org/a", "le", "2.5");
    m.assertValue(
        2, "llama_supervisor_time_to_ready_seconds_bucket", "model", "org/a", "le", "60.0");
    m.assertValue(2, "llama_supervisor_time_to_ready_seconds_count", "model", "org/a");
    m.assertValue(46.5, "llama_supervisor_time_to_ready_seconds_sum", "model", "org/a");
    m.assertValue(1, "llama_supervisor_verifications_total", "verdict", "accepted", "reason", "");
    m.assertValue(
        1, "llama_supervisor_verifications_total", "verdict", "rejected", "reason", "truncated");
    m.assertValue(
        api.registry.current().version(),
        "llama_supervisor_routing_table_version",
        "epoch",
        api.registry.epoch());
    m.assertValue(0, "llama_supervisor_routing_watchers", "kind", "long_poll");
    m.assertValue(0, "llama_supervisor_routing_watchers", "kind", "stream");
  }

  @Test
  void oneRestartCounterByReason() {
    api.meters.restarted("a", ReasonCode.EXITED);
    Scraped m = scrape();
    assertTrue(
        m.families.stream()
            .map(PrometheusText.Family::name)
            .filter(n -> n.contains("restart"))
            .allMatch(n -> n.equals("llama_supervisor_restarts_total")),
        m.text);
  }

  @Test
  void memorySeriesPerDeviceAndModelEvictionsLoadsAndWaits() {
    api.fleet.put(FakeFleet.accepted("org/a", null, "ready", "ready", 0));
    api.fleet.memory =
        new io.llamasupervisor.supervisor.memory.MemoryReport(
            true,
            List.of(
                new io.llamasupervisor.supervisor.memory.MemoryReport.Device(
                    "cpu", 3000L, 1000L, 2000L, 1500L, 500L, null, null)),
            List.of(),
            List.of());
    api.meters.loaded("org/a");
    api.meters.loaded("org/a");
    api.meters.evicted("org/b", "admission");
    api.meters.memoryWaited("org/a", java.time.Duration.ofMillis(1500));
    try {
      Scraped m = scrape();
      assertEquals(3000, m.value("llama_supervisor_memory_budget_bytes", "device", "cpu"), m.text);
      assertEquals(1500, m.value("llama_supervisor_memory_used_bytes", "device", "cpu"));
      assertEquals(500, m.value("llama_supervisor_memory_free_bytes", "device", "cpu"));
      assertTrue(
          m.value("llama_supervisor_model_memory_bytes", "model", "org/a", "kind", "estimated") > 0,
          m.text);
      assertEquals(2, m.value("llama_supervisor_model_loads_total", "model", "org/a"));
      assertEquals(1, m.value("llama_supervisor_evictions_total", "reason", "admission"));
      assertEquals(1, m.value("llama_supervisor_memory_wait_seconds_count"));
    } finally {
      api.fleet.memory = io.llamasupervisor.supervisor.memory.MemoryReport.NONE;
    }
  }

  @Test
  void jvmAndProcessSeries() {
    Scraped m = scrape();
    // one series per heap pool: a single one (an old generation early on, a survivor space) can
    // be 0, so the heap's total is what must be above 0
    assertTrue(m.total("jvm_memory_used_bytes", "area", "heap") > 0, m.text);
    assertTrue(m.value("process_uptime_seconds") > 0);
    assertTrue(m.value("jvm_threads_live_threads") > 0);
    assertTrue(m.value("process_files_open_files") > 0);
  }

  @Test
  void seriesOfARemovedModelAreRemoved() throws Exception {
    ModelStatus gone = FakeFleet.accepted("gone", null, "ready", "ready", backend(LLAMA_METRICS));
    api.fleet.put(gone);
    api.fleet.put(FakeFleet.accepted("stays", null, "ready", "ready", 1));
    api.meters.restarted("gone", ReasonCode.EXITED);
    api.meters.restarted("stays", ReasonCode.EXITED);
    api.meters.ready("gone", 1, Duration.ofSeconds(1));
    Scraped before = scrape();
    before.assertValue(1, "llama_supervisor_restarts_total", "model", "gone");
    before.assertValue(1, "llama_supervisor_instances", "model", "gone");
    before.assertValue(48, "llamacpp:prompt_tokens_total", "model", "gone");

    api.fleet.remove("gone");
    api.meters.onEvent(new CatalogEvent(CatalogEvent.Type.REMOVED, gone.entry(), gone.entry()));
    Scraped after = scrape();
    for (String name :
        List.of(
            "llama_supervisor_restarts_total",
            "llama_supervisor_instances",
            "llama_supervisor_time_to_ready_seconds_count",
            "llama_supervisor_backend_metrics_up",
            "llamacpp:prompt_tokens_total")) {
      after.assertAbsent(name, "model", "gone");
    }
    after.assertValue(1, "llama_supervisor_restarts_total", "model", "stays");
    after.assertValue(1, "llama_supervisor_models", "state", "ready");
  }

  @Test
  void anInstanceThatDoesNotAnswerIsLeftOutWithinTheTimeout() throws Exception {
    api.fleet.put(FakeFleet.accepted("fast", null, "ready", "ready", backend(LLAMA_METRICS)));
    api.fleet.put(FakeFleet.accepted("hung", null, "ready", "ready", silentPort()));
    long start = System.nanoTime();
    Scraped m = scrape();
    long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
    assertTrue(ms < 4_000, "answered in " + ms + " ms");
    m.assertValue(1, "llama_supervisor_backend_metrics_up", "model", "fast", "generation", "1");
    m.assertValue(0, "llama_supervisor_backend_metrics_up", "model", "hung", "generation", "1");
    m.assertValue(48, "llamacpp:prompt_tokens_total", "model", "fast", "generation", "1");
    m.assertAbsent("llamacpp:prompt_tokens_total", "model", "hung");
  }
}
