package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's traffic figures from the gateway's Prometheus series and llama-server's log. */
class GatewayTrafficTest {
  static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  static String scrape(
      int ok, int errors, double ttftSum, int ttftCount, double tps, int tpsCount) {
    return String.join(
        "\n",
        "# HELP llama_gateway_requests_total Requests",
        "# TYPE llama_gateway_requests_total counter",
        "llama_gateway_requests_total{model=\"pub/repo/m\",status=\"200\"} " + ok,
        "llama_gateway_requests_total{model=\"pub/repo/m\",status=\"503\"} " + errors,
        "llama_gateway_in_flight{backend=\"http://127.0.0.1:39001\",model=\"pub/repo/m\"} 3.0",
        "llama_gateway_queue_depth{model=\"pub/repo/m\"} 1.0",
        "llama_gateway_time_to_first_token_seconds_count{model=\"pub/repo/m\"} " + ttftCount,
        "llama_gateway_time_to_first_token_seconds_sum{model=\"pub/repo/m\"} " + ttftSum,
        "llama_gateway_time_to_first_token_seconds_max{model=\"pub/repo/m\"} 9.0",
        "llama_gateway_tokens_per_second_count{model=\"pub/repo/m\"} " + tpsCount,
        "llama_gateway_tokens_per_second_sum{model=\"pub/repo/m\"} " + tps,
        "llama_supervisor_models{state=\"ready\"} 1",
        "");
  }

  @Test
  void ratesAndMeansBetweenTwoScrapes() {
    GatewayTraffic.Scrape a = GatewayTraffic.parse(scrape(10, 0, 1.0, 10, 200, 10), T);
    GatewayTraffic.Scrape b =
        GatewayTraffic.parse(scrape(28, 2, 3.0, 30, 1200, 30), T.plusSeconds(2));
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
    GatewayTraffic.Scrape a = GatewayTraffic.parse(scrape(10, 0, 1.0, 10, 200, 10), T);
    GatewayTraffic.Scrape b =
        GatewayTraffic.parse(scrape(10, 0, 1.0, 10, 200, 10), T.plusSeconds(2));
    GatewayTraffic.Point p = GatewayTraffic.points(a, b).get("pub/repo/m");
    assertEquals(0.0, p.requestsPerSecond());
    assertNull(p.ttftSeconds());
    assertNull(p.tokensPerSecond());
    // the first scrape has nothing to compare with
    assertEquals(0.0, GatewayTraffic.points(null, a).get("pub/repo/m").requestsPerSecond());
  }

  @Test
  void withoutGatewaySeriesThereIsNoGatewayData() {
    GatewayTraffic.Scrape s =
        GatewayTraffic.parse("llama_supervisor_models{state=\"ready\"} 1\n", T);
    assertFalse(s.gateway());
    assertEquals(Map.of(), s.models());
  }

  @Test
  void labelValuesAreUnescaped() {
    assertEquals("a\"b", GatewayTraffic.label("x=\"1\",model=\"a\\\"b\"", "model"));
    assertNull(GatewayTraffic.label("x=\"1\"", "model"));
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
