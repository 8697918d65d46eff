package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
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

  @Test
  void parsesEveryFamilyOfTheCaptureWithItsTypeAndHelp() {
    List<PrometheusText.Family> families = PrometheusText.parse(Captures.text("metrics.txt"));
    assertEquals(15, families.size());
    PrometheusText.Family f = families.get(0);
    assertEquals("llamacpp:prompt_tokens_total", f.name());
    assertEquals("counter", f.type());
    assertEquals("Number of prompt tokens processed, excluding cached tokens", f.help());
    assertEquals("48", f.samples().get(0).value());
    assertTrue(families.stream().allMatch(x -> x.samples().size() == 1));
  }

  @Test
  void groupsHistogramSamplesAndUnescapesLabels() {
    String text =
        "# HELP h a \\\\ help\\nline\n"
            + "# TYPE h histogram\n"
            + "h_bucket{le=\"1\",path=\"a\\\"b\\\\c\\nd\"} 1\n"
            + "h_bucket{le=\"+Inf\",} 2\n"
            + "h_sum 3.5 1700000000000\n"
            + "h_count 2\n"
            + "other 1\n";
    List<PrometheusText.Family> families = PrometheusText.parse(text);
    assertEquals(
        List.of("h", "other"), families.stream().map(PrometheusText.Family::name).toList());
    PrometheusText.Family h = families.get(0);
    assertEquals("a \\ help\nline", h.help());
    assertEquals(4, h.samples().size());
    assertEquals(Map.of("le", "1", "path", "a\"b\\c\nd"), h.samples().get(0).labels());
    assertEquals("1700000000000", h.samples().get(2).timestamp());
    assertEquals("untyped", families.get(1).type());
  }

  @Test
  void aBrokenLineIsRefusedWithItsNumber() {
    for (String bad :
        List.of("m{broken 3", "m garbage", "m{a=b} 1", "m{a=\"x\" 1", "{a=\"x\"} 1", "m 1 2 3")) {
      PrometheusText.FormatException e =
          assertThrows(
              PrometheusText.FormatException.class, () -> PrometheusText.parse("ok 1\n" + bad));
      assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
    }
  }
}
