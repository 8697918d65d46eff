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
 * {@link PrometheusText}.
 */
final class BackendMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(BackendMetrics.class);

  /** One instance to scrape. */
  record Target(String model, int generation, String url) {}

  /** A target and its metrics text, or null when it could not be fetched. */
  record Scrape(Target target, String text) {}

  private final HttpClient http;
  private final Duration timeout;

  BackendMetrics(HttpClient http, Duration timeout) {
    this.http = http;
    this.timeout = timeout;
  }

  /** Fetches every target concurrently; completes within about the timeout. */
  CompletableFuture<List<Scrape>> scrape(List<Target> targets) {
    List<CompletableFuture<Scrape>> all = new ArrayList<>();
    for (Target t : targets) {
      CompletableFuture<Scrape> one;
      try {
        HttpRequest req =
            HttpRequest.newBuilder(URI.create(t.url() + "/metrics")).timeout(timeout).GET().build();
        one =
            http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Scrape(t, r.statusCode() == 200 ? r.body() : null))
                .exceptionally(e -> new Scrape(t, null));
      } catch (IllegalArgumentException e) {
        one = CompletableFuture.completedFuture(new Scrape(t, null));
      }
      all.add(
          one.completeOnTimeout(
              new Scrape(t, null), timeout.toMillis() + 250, TimeUnit.MILLISECONDS));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
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
