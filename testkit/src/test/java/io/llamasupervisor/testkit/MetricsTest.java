package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MetricsTest {
  /** The 15 series of b10470's /metrics, in order. */
  static final List<String> NAMES =
      List.of(
          "llamacpp:prompt_tokens_total",
          "llamacpp:prompt_tokens_cached_total",
          "llamacpp:prompt_seconds_total",
          "llamacpp:tokens_predicted_total",
          "llamacpp:tokens_predicted_seconds_total",
          "llamacpp:n_decode_total",
          "llamacpp:n_tokens_max",
          "llamacpp:spec_decode_num_draft_tokens_total",
          "llamacpp:spec_decode_num_accepted_tokens_total",
          "llamacpp:spec_decode_num_drafts_total",
          "llamacpp:prompt_tokens_seconds",
          "llamacpp:predicted_tokens_seconds",
          "llamacpp:requests_processing",
          "llamacpp:requests_deferred",
          "llamacpp:n_busy_slots_per_decode");

  @Test
  void numbersUseSixSignificantDigits() {
    assertEquals("0", Metrics.number(0));
    assertEquals("48", Metrics.number(48));
    assertEquals("0.023427", Metrics.number(0.023427));
    assertEquals("2048.92", Metrics.number(2048.9217));
    assertEquals("7.1091", Metrics.number(7.10910001));
    assertEquals("1.23457e+06", Metrics.number(1234567));
    assertEquals("1e-07", Metrics.number(1e-7));
  }

  @Test
  void freshServerRendersAllSeriesAtZero() {
    String text = new Metrics().render(0, 0);
    List<String> samples =
        text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.toList());
    assertEquals(NAMES, samples.stream().map(l -> l.split(" ")[0]).toList());
    assertTrue(samples.stream().allMatch(l -> l.endsWith(" 0")), text);
    assertTrue(text.contains("# TYPE llamacpp:requests_processing gauge\n"));
    assertTrue(text.contains("# TYPE llamacpp:n_decode_total counter\n"));
  }

  @Test
  void recordsTasksAndLiveGauges() {
    Metrics m = new Metrics();
    m.record(4, 0.5, 6, 0.25, 1);
    String text = m.render(2, 1);
    assertTrue(text.contains("llamacpp:prompt_tokens_total 4\n"), text);
    assertTrue(text.contains("llamacpp:tokens_predicted_total 6\n"), text);
    assertTrue(text.contains("llamacpp:n_tokens_max 10\n"), text);
    assertTrue(text.contains("llamacpp:predicted_tokens_seconds 24\n"), text);
    assertTrue(text.contains("llamacpp:requests_processing 2\n"), text);
    assertTrue(text.contains("llamacpp:requests_deferred 1\n"), text);
  }
}
