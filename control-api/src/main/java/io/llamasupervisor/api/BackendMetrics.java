package io.llamasupervisor.api;

import io.llamasupervisor.health.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the {@code llamacpp:*} metrics of READY instances ({@code <url>/metrics}) and re-exports
 * them with {@code model} and {@code generation} labels, so one scrape of the supervisor covers the
 * fleet. All instances are fetched at once; one that does not answer within the timeout (or answers
 * anything but 200, e.g. 501 without {@code --metrics}) is left out and shows as {@code
 * llama_supervisor_backend_metrics_up 0}. The text is read with the one reader of the format,
 * {@link PrometheusText}. Each instance's {@code /slots} is fetched in the same pass for its KV
 * cache usage ({@link KvUsage}); an instance without it ({@code --no-slots}) has no such series.
 */
final class BackendMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(BackendMetrics.class);

  /** One instance to scrape. */
  record Target(String model, int generation, String url) {}

  /**
   * A target, its metrics text (null when it could not be fetched) and its KV cache usage (empty
   * when {@code /slots} could not be fetched or read).
   */
  record Scrape(Target target, String text, OptionalDouble kvUsage) {}

  private final HttpClient http;
  private final Duration timeout;

  BackendMetrics(HttpClient http, Duration timeout) {
    this.http = http;
    this.timeout = timeout;
  }

  /** Fetches every target's metrics and slots concurrently; completes within about the timeout. */
  CompletableFuture<List<Scrape>> scrape(List<Target> targets) {
    List<CompletableFuture<Scrape>> all = new ArrayList<>();
    for (Target t : targets) {
      CompletableFuture<String> text = fetch(t.url() + "/metrics");
      CompletableFuture<String> slots = fetch(t.url() + "/slots");
      all.add(
          text.thenCombine(
              slots,
              (m, s) -> new Scrape(t, m, s == null ? OptionalDouble.empty() : KvUsage.ratio(s))));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
  }

  /** The body of a 200 answer; null for anything else, an error or no answer within the timeout. */
  private CompletableFuture<String> fetch(String url) {
    CompletableFuture<String> body;
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
      body =
          http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
              .thenApply(r -> r.statusCode() == 200 ? r.body() : null)
              .exceptionally(e -> null);
    } catch (IllegalArgumentException e) {
      body = CompletableFuture.completedFuture(null);
    }
    return body.completeOnTimeout(null, timeout.toMillis() + 250, TimeUnit.MILLISECONDS);
  }

  /**
   * The backends' families as Prometheus text, each family once with every backend's samples
   * labeled {@code model} and {@code generation} (before their own labels). A backend whose text
   * does not parse is left out and logged.
   */
  static String text(List<Scrape> scrapes) {
    Map<String, Merged> families = new LinkedHashMap<>();
    for (Scrape s : scrapes) {
      if (s.text() == null) {
        continue;
      }
      List<PrometheusText.Family> parsed;
      try {
        parsed = PrometheusText.parse(s.text());
      } catch (PrometheusText.FormatException e) {
        LOG.warn(
            "model {} generation {}: /metrics left out, not Prometheus text: {}",
            s.target().model(),
            s.target().generation(),
            e.getMessage());
        continue;
      }
      for (PrometheusText.Family f : parsed) {
        Merged m = families.computeIfAbsent(f.name(), n -> new Merged(f));
        for (PrometheusText.Sample sample : f.samples()) {
          m.lines.add(relabeled(s.target(), sample));
        }
      }
    }
    StringBuilder out = new StringBuilder(4096);
    for (Merged m : families.values()) {
      String help = m.family.help().isEmpty() ? m.family.name() : m.family.help();
      out.append("# HELP ").append(m.family.name()).append(' ').append(escapeHelp(help));
      out.append("\n# TYPE ").append(m.family.name()).append(' ').append(m.family.type());
      out.append('\n');
      m.lines.forEach(l -> out.append(l).append('\n'));
    }
    return out.toString();
  }

  private record Merged(PrometheusText.Family family, List<String> lines) {
    Merged(PrometheusText.Family family) {
      this(family, new ArrayList<>());
    }
  }

  private static String relabeled(Target target, PrometheusText.Sample s) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("model", target.model());
    labels.put("generation", Integer.toString(target.generation()));
    s.labels().forEach(labels::putIfAbsent);
    StringBuilder line = new StringBuilder(s.name()).append('{');
    String sep = "";
    for (Map.Entry<String, String> e : labels.entrySet()) {
      line.append(sep).append(e.getKey()).append("=\"").append(escapeLabel(e.getValue()));
      line.append('"');
      sep = ",";
    }
    line.append("} ").append(s.value());
    if (!s.timestamp().isEmpty()) {
      line.append(' ').append(s.timestamp());
    }
    return line.toString();
  }

  static String escapeLabel(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String escapeHelp(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
