package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The text writer and the relabeling of instance metrics, without a server. */
class MetricsTextTest {
  @Test
  void labelValuesAreEscaped() {
    String text =
        new PrometheusText()
            .family("x", "gauge", "help with \\ and\nnewline")
            .sample("x", 1.5, "model", "a\"b\\c\nd")
            .toString();
    assertEquals(
        "# HELP x help with \\\\ and\\nnewline\n# TYPE x gauge\nx{model=\"a\\\"b\\\\c\\nd\"} 1.5\n",
        text);
    PrometheusFormat.parse(text);
  }

  @Test
  void valuesAreFormattedAsPrometheusReadsThem() {
    assertEquals("3", PrometheusText.format(3.0));
    assertEquals("0.25", PrometheusText.format(0.25));
    assertEquals("+Inf", PrometheusText.format(Double.POSITIVE_INFINITY));
    assertEquals("NaN", PrometheusText.format(Double.NaN));
  }

  @Test
  void familiesOfSeveralInstancesAreMergedOnceEachWithModelLabels() {
    String a =
        """
        # HELP llamacpp:requests_processing Number of requests processing
        # TYPE llamacpp:requests_processing gauge
        llamacpp:requests_processing 2
        # TYPE llamacpp:x_seconds histogram
        llamacpp:x_seconds_bucket{le="1"} 1
        llamacpp:x_seconds_bucket{le="+Inf"} 3
        llamacpp:x_seconds_sum 4.5
        llamacpp:x_seconds_count 3
        untyped_thing 7
        """;
    String b =
        """
        # HELP llamacpp:requests_processing Number of requests processing
        # TYPE llamacpp:requests_processing gauge
        llamacpp:requests_processing 0
        """;
    PrometheusText out = new PrometheusText();
    BackendMetrics.writeTo(
        out,
        List.of(
            new BackendMetrics.Scrape(new BackendMetrics.Target("m/a", 1, "http://x"), a),
            new BackendMetrics.Scrape(new BackendMetrics.Target("m\"b", 3, "http://y"), b),
            new BackendMetrics.Scrape(new BackendMetrics.Target("gone", 2, "http://z"), null)));
    String text = out.toString();
    Map<String, Double> m = PrometheusFormat.parse(text);
    assertEquals(2, m.get("llamacpp:requests_processing{model=\"m/a\",generation=\"1\"}"));
    assertEquals(0, m.get("llamacpp:requests_processing{model=\"m\\\"b\",generation=\"3\"}"));
    assertEquals(3, m.get("llamacpp:x_seconds_bucket{model=\"m/a\",generation=\"1\",le=\"+Inf\"}"));
    assertEquals(7, m.get("untyped_thing{model=\"m/a\",generation=\"1\"}"));
    assertEquals(0, m.get("llama_supervisor_backend_metrics_up{model=\"gone\",generation=\"2\"}"));
    assertEquals(1, text.split("# TYPE llamacpp:requests_processing ", -1).length - 1);
    assertTrue(text.contains("# TYPE untyped_thing untyped"), text);
  }
}
