package io.llamasupervisor.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Per-model traffic from the gateway's meters ({@code llama.gateway.*}, exported as {@code
 * llama_gateway_*}), as rates between two readings: requests per second, mean time to first token,
 * mean tokens per second of the requests that ended in between, in flight and queued now. The
 * meters are read where they live, on the shared registry: nothing is rendered or fetched.
 */
final class GatewayTraffic {
  static final String PREFIX = "llama.gateway.";
  static final String REQUESTS = "llama.gateway.requests";
  static final String IN_FLIGHT = "llama.gateway.in.flight";
  static final String QUEUE = "llama.gateway.queue.depth";
  static final String TTFT = "llama.gateway.time.to.first.token";
  static final String TOKENS_PER_SECOND = "llama.gateway.tokens.per.second";

  private GatewayTraffic() {}

  /** Cumulative figures of one model at one reading. */
  record Totals(
      double requests,
      double ttftSum,
      double ttftCount,
      double tpsSum,
      double tpsCount,
      double inFlight,
      double queued) {
    static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0);
  }

  /** One reading: whether the gateway has any meter, and the totals per model. */
  record Scrape(Instant at, boolean gateway, Map<String, Totals> models) {}

  /**
   * One point of a model's sparklines.
   *
   * @param ttftSeconds null when no request got its first token in the interval
   * @param tokensPerSecond null when no request ended in the interval
   */
  record Point(
      double requestsPerSecond,
      Double ttftSeconds,
      Double tokensPerSecond,
      double inFlight,
      double queued) {}

  /**
   * Reads the gateway's meters of {@code registry}, summed per {@code model} tag; requests counted
   * under no model (the empty tag: refused before routing) are left out.
   */
  static Scrape read(MeterRegistry registry, Instant at) {
    Map<String, double[]> byModel = new TreeMap<>();
    boolean any = false;
    for (Meter meter : registry.getMeters()) {
      String name = meter.getId().getName();
      if (!name.startsWith(PREFIX)) {
        continue;
      }
      any = true;
      String model = meter.getId().getTag("model");
      if (model == null || model.isEmpty()) {
        continue; // "": requests refused before they named a model (404, 413…), no model's traffic
      }
      double[] t = byModel.computeIfAbsent(model, k -> new double[7]);
      switch (name) {
        case REQUESTS -> t[0] += ((Counter) meter).count();
        case TTFT -> {
          t[1] += ((Timer) meter).totalTime(TimeUnit.SECONDS);
          t[2] += ((Timer) meter).count();
        }
        case TOKENS_PER_SECOND -> {
          t[3] += ((DistributionSummary) meter).totalAmount();
          t[4] += ((DistributionSummary) meter).count();
        }
        case IN_FLIGHT -> t[5] += finite(((Gauge) meter).value());
        case QUEUE -> t[6] += finite(((Gauge) meter).value());
        default -> {}
      }
    }
    Map<String, Totals> models = new LinkedHashMap<>();
    byModel.forEach((m, t) -> models.put(m, new Totals(t[0], t[1], t[2], t[3], t[4], t[5], t[6])));
    return new Scrape(at, any, models);
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  /** The points of every model in {@code now}, against {@code before} (null: rates of 0). */
  static Map<String, Point> points(Scrape before, Scrape now) {
    Map<String, Point> out = new LinkedHashMap<>();
    double seconds =
        before == null ? 0 : Duration.between(before.at(), now.at()).toMillis() / 1000.0;
    now.models()
        .forEach(
            (model, t) -> {
              Totals b = before == null ? t : before.models().getOrDefault(model, Totals.ZERO);
              double requests = Math.max(0, t.requests() - b.requests());
              double ttftCount = t.ttftCount() - b.ttftCount();
              double tpsCount = t.tpsCount() - b.tpsCount();
              out.put(
                  model,
                  new Point(
                      seconds > 0 ? requests / seconds : 0,
                      ttftCount > 0 ? (t.ttftSum() - b.ttftSum()) / ttftCount : null,
                      tpsCount > 0 ? (t.tpsSum() - b.tpsSum()) / tpsCount : null,
                      t.inFlight(),
                      t.queued()));
            });
    return out;
  }
}
