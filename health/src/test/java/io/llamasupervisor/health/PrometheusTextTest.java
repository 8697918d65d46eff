package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void readsLlamaServerMetricsCapture() {
    String text = Captures.text("metrics.txt");
    assertEquals(List.of(0.0), PrometheusText.samples(text, "llamacpp:requests_processing"));
    assertEquals(List.of(544.0), PrometheusText.samples(text, "llamacpp:tokens_predicted_total"));
    assertEquals(List.of(2048.92), PrometheusText.samples(text, "llamacpp:prompt_tokens_seconds"));
    assertEquals(List.of(), PrometheusText.samples(text, "llamacpp:no_such_metric"));
  }

  @Test
  void doesNotConfuseNamesSharingAPrefix() {
    String text = "llamacpp:requests_processing_total 7\nllamacpp:requests_processing 2\n";
    assertEquals(List.of(2.0), PrometheusText.samples(text, "llamacpp:requests_processing"));
  }

  @Test
  void readsLabelledSeriesTimestampsAndSpecialValues() {
    String text =
        "# HELP m help\n"
            + "# TYPE m gauge\n"
            + "m{slot=\"0\",note=\"a } b\"} 1 1700000000000\n"
            + "m{slot=\"1\"} +Inf\n"
            + "m{slot=\"2\"} NaN\r\n"
            + "m{broken 3\n"
            + "m garbage\n";
    List<Double> v = PrometheusText.samples(text, "m");
    assertEquals(3, v.size());
    assertEquals(1.0, v.get(0));
    assertEquals(Double.POSITIVE_INFINITY, v.get(1));
    assertEquals(Double.NaN, v.get(2));
  }
}
