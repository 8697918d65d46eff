package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
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
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics}: valid Prometheus text with the supervisor's series and each READY instance's
 * {@code llamacpp:*} series relabeled, instances fetched concurrently with a short timeout.
 */
class MetricsControllerTest {
  /** Three families of llama-server b10470's {@code /metrics}, verbatim. */
  static final String LLAMA_METRICS =
      """
      # HELP llamacpp:prompt_tokens_total Number of prompt tokens processed, excluding cached tokens
      # TYPE llamacpp:prompt_tokens_total counter
      llamacpp:prompt_tokens_total %d
      # HELP llamacpp:prompt_tokens_seconds Average prompt throughput in tokens/s
      # TYPE llamacpp:prompt_tokens_seconds gauge
      llamacpp:prompt_tokens_seconds 2048.92
      # HELP llamacpp:requests_processing Number of requests processing
      # TYPE llamacpp:requests_processing gauge
      llamacpp:requests_processing 0
      """;

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

  int backend(int promptTokens) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        "/metrics",
        ex -> {
          byte[] body = LLAMA_METRICS.formatted(promptTokens).getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    s.start();
    backends.add(s);
    return s.getAddress().getPort();
  }

  /** A port that accepts connections but never answers. */
  int silentPort() throws Exception {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    sockets.add(s);
    return s.getLocalPort();
  }

  @Test
  void supervisorSeriesAndRelabeledInstanceSeriesInValidText() throws Exception {
    api.fleet.put(FakeFleet.accepted("org/a", null, "ready", "ready", backend(48)));
    api.fleet.put(FakeFleet.accepted("org/b", null, "ready", "ready", backend(7)));
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

    HttpResponse<String> r = api.get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(
        r.headers()
            .firstValue("Content-Type")
            .orElseThrow()
            .startsWith("text/plain; version=0.0.4"));
    Map<String, Double> m = PrometheusFormat.parse(r.body());

    assertEquals(48, m.get("llamacpp:prompt_tokens_total{model=\"org/a\",generation=\"1\"}"));
    assertEquals(7, m.get("llamacpp:prompt_tokens_total{model=\"org/b\",generation=\"1\"}"));
    assertEquals(
        2048.92, m.get("llamacpp:prompt_tokens_seconds{model=\"org/a\",generation=\"1\"}"));
    assertEquals(1, m.get("llama_supervisor_backend_metrics_up{model=\"org/a\",generation=\"1\"}"));
    assertEquals(2, m.get("llama_supervisor_models{state=\"ready\"}"));
    assertEquals(1, m.get("llama_supervisor_models{state=\"rejected\"}"));
    assertEquals(1, m.get("llama_supervisor_instances{model=\"c\",state=\"starting\"}"));
    assertEquals(1, m.get("llama_supervisor_instances{model=\"org/a\",state=\"ready\"}"));
    assertEquals(2, m.get("llama_supervisor_restarts_total{model=\"org/a\",reason=\"exited\"}"));
    assertEquals(
        1, m.get("llama_supervisor_restarts_total{model=\"org/a\",reason=\"operator_restart\"}"));
    assertEquals(
        1, m.get("llama_supervisor_time_to_ready_seconds_bucket{model=\"org/a\",le=\"2.5\"}"));
    assertEquals(
        2, m.get("llama_supervisor_time_to_ready_seconds_bucket{model=\"org/a\",le=\"60\"}"));
    assertEquals(46.5, m.get("llama_supervisor_time_to_ready_seconds_sum{model=\"org/a\"}"));
    assertEquals(
        1, m.get("llama_supervisor_verifications_total{verdict=\"accepted\",reason=\"\"}"));
    assertEquals(
        1,
        m.get("llama_supervisor_verifications_total{verdict=\"rejected\",reason=\"truncated\"}"));
    assertEquals(
        (double) api.registry.current().version(),
        m.get("llama_supervisor_routing_table_version{epoch=\"" + api.registry.epoch() + "\"}"));
    assertEquals(0, m.get("llama_supervisor_routing_watchers{kind=\"long_poll\"}"));
  }

  @Test
  void anInstanceThatDoesNotAnswerIsLeftOutWithinTheTimeout() throws Exception {
    api.fleet.put(FakeFleet.accepted("fast", null, "ready", "ready", backend(1)));
    api.fleet.put(FakeFleet.accepted("hung", null, "ready", "ready", silentPort()));
    long start = System.nanoTime();
    HttpResponse<String> r = api.get("/metrics");
    long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
    assertEquals(200, r.statusCode());
    assertTrue(ms < 4_000, "answered in " + ms + " ms");
    Map<String, Double> m = PrometheusFormat.parse(r.body());
    assertEquals(1, m.get("llama_supervisor_backend_metrics_up{model=\"fast\",generation=\"1\"}"));
    assertEquals(0, m.get("llama_supervisor_backend_metrics_up{model=\"hung\",generation=\"1\"}"));
    assertEquals(1, m.get("llamacpp:prompt_tokens_total{model=\"fast\",generation=\"1\"}"));
    assertTrue(
        m.keySet().stream()
            .noneMatch(k -> k.contains("model=\"hung\"") && k.startsWith("llamacpp")));
  }
}
