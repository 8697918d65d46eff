package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.health.Captures;
import io.llamasupervisor.health.PrometheusText;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
  /** The real b10470 {@code /metrics}, captured from llama-server. */
  static final List<PrometheusText.Family> REAL =
      PrometheusText.parse(Captures.text("metrics.txt"));

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
  void freshServerRendersTheRealServersFamiliesInOrderAtZero() {
    List<PrometheusText.Family> fake = PrometheusText.parse(new Metrics().render(0, 0));
    assertEquals(15, REAL.size());
    assertEquals(
        REAL.stream().map(f -> f.name() + " " + f.type() + " " + f.help()).toList(),
        fake.stream().map(f -> f.name() + " " + f.type() + " " + f.help()).toList());
    assertTrue(
        fake.stream().allMatch(f -> f.samples().size() == 1 && f.samples().get(0).number() == 0),
        fake.toString());
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
