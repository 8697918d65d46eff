package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's traffic figures from the gateway's meters, and the load stage from the log. */
class GatewayTrafficTest {
  static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  /** A registry with the gateway's meters of one model at these cumulative figures. */
  static MeterRegistry meters(
      int ok, int errors, double ttftSum, int ttftCount, double tps, int tpsCount) {
    MeterRegistry r = new SimpleMeterRegistry();
    String m = "pub/repo/m";
    Counter.builder("llama.gateway.requests")
        .tags("model", m, "status", "200")
        .register(r)
        .increment(ok);
    Counter.builder("llama.gateway.requests")
        .tags("model", m, "status", "503")
        .register(r)
        .increment(errors);
    Gauge.builder("llama.gateway.in.flight", () -> 3)
        .tags("model", m, "backend", "http://127.0.0.1:39001")
        .register(r);
    Gauge.builder("llama.gateway.queue.depth", () -> 1).tags("model", m).register(r);
    Timer ttft = Timer.builder("llama.gateway.time.to.first.token").tags("model", m).register(r);
    for (int i = 0; i < ttftCount; i++) {
      ttft.record(Duration.ofNanos(Math.round(ttftSum * 1e9 / ttftCount)));
    }
    DistributionSummary s =
        DistributionSummary.builder("llama.gateway.tokens.per.second").tags("model", m).register(r);
    for (int i = 0; i < tpsCount; i++) {
      s.record(tps / tpsCount);
    }
    Gauge.builder("llama.supervisor.models", () -> 1).tags("state", "ready").register(r);
    return r;
  }

  @Test
  void ratesAndMeansBetweenTwoScrapes() {
    GatewayTraffic.Scrape a = GatewayTraffic.read(meters(10, 0, 1.0, 10, 200, 10), T);
    GatewayTraffic.Scrape b =
        GatewayTraffic.read(meters(28, 2, 3.0, 30, 1200, 30), T.plusSeconds(2));
    assertTrue(b.gateway());
    GatewayTraffic.Point p = GatewayTraffic.points(a, b).get("pub/repo/m");
    assertEquals(10.0, p.requestsPerSecond(), 1e-9); // 20 requests in 2 s, errors included
    assertEquals(0.1, p.ttftSeconds(), 1e-9); // 2 s over 20 first tokens
    assertEquals(50.0, p.tokensPerSecond(), 1e-9); // 1000 over 20 requests
    assertEquals(3.0, p.inFlight());
    assertEquals(1.0, p.queued());
  }

  @Test
  void nothingEndedMeansNoMeanNotZero() {
    GatewayTraffic.Scrape a = GatewayTraffic.read(meters(10, 0, 1.0, 10, 200, 10), T);
    GatewayTraffic.Scrape b =
        GatewayTraffic.read(meters(10, 0, 1.0, 10, 200, 10), T.plusSeconds(2));
    GatewayTraffic.Point p = GatewayTraffic.points(a, b).get("pub/repo/m");
    assertEquals(0.0, p.requestsPerSecond());
    assertNull(p.ttftSeconds());
    assertNull(p.tokensPerSecond());
    // the first scrape has nothing to compare with
    assertEquals(0.0, GatewayTraffic.points(null, a).get("pub/repo/m").requestsPerSecond());
  }

  /** Regression: requests refused before routing showed as a model without a name in top. */
  @Test
  void requestsCountedUnderNoModelAreNoModelsTraffic() {
    MeterRegistry r = meters(10, 0, 1.0, 10, 200, 10);
    Counter.builder(GatewayTraffic.REQUESTS)
        .tags("model", "", "status", "404")
        .register(r)
        .increment();
    assertEquals(java.util.Set.of("pub/repo/m"), GatewayTraffic.read(r, T).models().keySet());
  }

  @Test
  void withoutGatewayMetersThereIsNoGatewayData() {
    MeterRegistry r = new SimpleMeterRegistry();
    Gauge.builder("llama.supervisor.models", () -> 1).tags("state", "ready").register(r);
    GatewayTraffic.Scrape s = GatewayTraffic.read(r, T);
    assertFalse(s.gateway());
    assertEquals(Map.of(), s.models());
  }

  @Test
  void loadStageIsTheLatestNamedInTheLog() {
    assertNull(LoadStage.of(List.of("0.00.001.000 I main: build info")));
    assertEquals(
        "reading model file",
        LoadStage.of(List.of("0.00.003.412 I srv    load_model: loading model 'm.gguf'")));
    assertEquals(
        "initializing slots",
        LoadStage.of(
            List.of(
                "0.00.003.412 I srv    load_model: loading model 'm.gguf'",
                "load_tensors: CPU_Mapped model buffer size = 0.57 MiB",
                "0.00.009.799 I srv    load_model: initializing, n_slots = 4, n_ctx_slot = 1024",
                "0.00.009.900 I srv    some other line")));
    assertEquals("loaded", LoadStage.of(List.of("0.00.011.816 I srv  llama_server: model loaded")));
  }
}
