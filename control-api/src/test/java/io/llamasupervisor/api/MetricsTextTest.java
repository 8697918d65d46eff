package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The relabeling of instance metrics, without a server. */
class MetricsTextTest {
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
    String text =
        BackendMetrics.text(
            List.of(
                scrape(new BackendMetrics.Target("m/a", 1, "http://x"), a),
                scrape(new BackendMetrics.Target("m\"b\n", 3, "http://y"), b),
                scrape(new BackendMetrics.Target("gone", 2, "http://z"), null)));
    Scraped m = new Scraped(text);
    m.assertValue(2, "llamacpp:requests_processing", "model", "m/a", "generation", "1");
    m.assertValue(0, "llamacpp:requests_processing", "model", "m\"b\n", "generation", "3");
    m.assertValue(3, "llamacpp:x_seconds_bucket", "model", "m/a", "generation", "1", "le", "+Inf");
    m.assertValue(7, "untyped_thing", "model", "m/a", "generation", "1");
    m.assertAbsent("llamacpp:requests_processing", "model", "gone");
    assertEquals(1, text.split("# TYPE llamacpp:requests_processing ", -1).length - 1);
    assertTrue(text.contains("# TYPE untyped_thing untyped"), text);
    assertTrue(text.contains("model=\"m\\\"b\\n\""), text);
  }

  @Test
  void anInstanceWhoseTextDoesNotParseIsLeftOut() {
    String text =
        BackendMetrics.text(
            List.of(
                scrape(new BackendMetrics.Target("bad", 1, "http://x"), "m{broken 1\n"),
                scrape(new BackendMetrics.Target("good", 1, "http://y"), "m 2\n")));
    Scraped m = new Scraped(text);
    m.assertValue(2, "m", "model", "good");
    m.assertAbsent("m", "model", "bad");
  }

  private static BackendMetrics.Scrape scrape(BackendMetrics.Target target, String text) {
    return new BackendMetrics.Scrape(target, text, OptionalDouble.empty());
  }
}
