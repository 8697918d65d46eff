package io.llamasupervisor.api;

import io.llamasupervisor.supervisor.catalog.CatalogEvent;
import io.llamasupervisor.supervisor.catalog.CatalogListener;
import io.llamasupervisor.supervisor.supervise.FleetMetrics;
import io.llamasupervisor.supervisor.supervise.ReasonCode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the events behind {@code /metrics} that a snapshot cannot tell: restarts by reason, time
 * to ready (a histogram per model) and verifications by verdict. Give it to the supervisor as its
 * {@link FleetMetrics} and register it on the model catalog as a {@link CatalogListener}; {@link
 * ApiServer} serves what it counted. Thread-safe and lock-free on the recording side.
 */
public final class FleetMeters implements FleetMetrics, CatalogListener {
  /** Upper bounds of the time-to-ready buckets, in seconds. */
  static final double[] READY_BUCKETS = {0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

  private final Map<List<String>, LongAdder> restarts = new ConcurrentHashMap<>();
  private final Map<List<String>, LongAdder> verifications = new ConcurrentHashMap<>();
  private final Map<String, Histogram> timeToReady = new ConcurrentHashMap<>();

  @Override
  public void restarted(String model, ReasonCode reason) {
    restarts.computeIfAbsent(List.of(model, label(reason)), k -> new LongAdder()).increment();
  }

  @Override
  public void ready(String model, int generation, Duration startup) {
    timeToReady
        .computeIfAbsent(model, k -> new Histogram())
        .observe(Math.max(0, startup.toNanos()) / 1e9);
  }

  /** Counts a verification: every catalog event but a removal carries a fresh verdict. */
  @Override
  public void onEvent(CatalogEvent event) {
    if (event.type() == CatalogEvent.Type.REMOVED) {
      return;
    }
    List<String> key =
        event.entry().accepted()
            ? List.of("accepted", "")
            : List.of("rejected", event.entry().reason().name().toLowerCase(Locale.ROOT));
    verifications.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /** Writes the counted families. */
  void writeTo(PrometheusText out) {
    out.family(
        "llama_supervisor_restarts_total",
        "counter",
        "New generations started after a failure or to replace a serving one, by reason");
    sorted(restarts)
        .forEach(
            (k, v) ->
                out.sample(
                    "llama_supervisor_restarts_total", v, "model", k.get(0), "reason", k.get(1)));

    out.family(
        "llama_supervisor_time_to_ready_seconds",
        "histogram",
        "Seconds from spawning llama-server to its first successful /health");
    new TreeMap<>(timeToReady).forEach((model, h) -> h.writeTo(out, model));

    out.family(
        "llama_supervisor_verifications_total",
        "counter",
        "GGUF verifications of model files, by verdict and rejection reason");
    sorted(verifications)
        .forEach(
            (k, v) ->
                out.sample(
                    "llama_supervisor_verifications_total",
                    v,
                    "verdict",
                    k.get(0),
                    "reason",
                    k.get(1)));
  }

  private static Map<List<String>, Double> sorted(Map<List<String>, LongAdder> m) {
    Map<List<String>, Double> out = new TreeMap<>(FleetMeters::compare);
    m.forEach((k, v) -> out.put(k, v.doubleValue()));
    return out;
  }

  private static int compare(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static String label(ReasonCode reason) {
    return reason.name().toLowerCase(Locale.ROOT);
  }

  /** Cumulative buckets, sum and count of one model's times to ready. */
  private static final class Histogram {
    private final LongAdder[] buckets = new LongAdder[READY_BUCKETS.length];
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void observe(double seconds) {
      for (int i = 0; i < READY_BUCKETS.length; i++) {
        if (seconds <= READY_BUCKETS[i]) {
          buckets[i].increment();
          break;
        }
      }
      sum.add(seconds);
      count.increment();
    }

    void writeTo(PrometheusText out, String model) {
      // read count first: a concurrent observation may show in the buckets but never the reverse
      long total = count.sum();
      double s = sum.sum();
      long cumulative = 0;
      String name = "llama_supervisor_time_to_ready_seconds";
      for (int i = 0; i < READY_BUCKETS.length; i++) {
        cumulative += buckets[i].sum();
        out.sample(
            name + "_bucket",
            Math.min(cumulative, total),
            "model",
            model,
            "le",
            PrometheusText.format(READY_BUCKETS[i]));
      }
      out.sample(name + "_bucket", total, "model", model, "le", "+Inf");
      out.sample(name + "_sum", s, "model", model);
      out.sample(name + "_count", total, "model", model);
    }
  }
}
