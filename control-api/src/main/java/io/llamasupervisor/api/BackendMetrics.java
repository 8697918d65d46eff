package io.llamasupervisor.api;

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

/**
 * Fetches the {@code llamacpp:*} metrics of READY instances ({@code <url>/metrics}) and re-exports
 * them with {@code model} and {@code generation} labels, so one scrape of the supervisor covers the
 * fleet. All instances are fetched at once; one that does not answer within the timeout (or answers
 * anything but 200, e.g. 501 without {@code --metrics}) is left out and shows as {@code
 * llama_supervisor_backend_metrics_up 0}.
 */
final class BackendMetrics {
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

  /** Writes the backends' families, each once, with every backend's samples relabeled. */
  static void writeTo(PrometheusText out, List<Scrape> scrapes) {
    Map<String, Family> families = new LinkedHashMap<>();
    for (Scrape s : scrapes) {
      if (s.text() != null) {
        merge(families, s.target(), s.text());
      }
    }
    for (Family f : families.values()) {
      out.family(f.name, f.type, f.help == null ? f.name : f.help);
      f.samples.forEach(out::raw);
    }
    out.family(
        "llama_supervisor_backend_metrics_up",
        "gauge",
        "1 when a READY instance's /metrics was fetched in this scrape, else 0");
    for (Scrape s : scrapes) {
      out.sample(
          "llama_supervisor_backend_metrics_up",
          s.text() == null ? 0 : 1,
          "model",
          s.target().model(),
          "generation",
          Integer.toString(s.target().generation()));
    }
  }

  private static final class Family {
    final String name;
    String help;
    String type = "untyped";
    final List<String> samples = new ArrayList<>();

    Family(String name) {
      this.name = name;
    }
  }

  /** Parses one exposition and adds its samples, relabeled, to {@code families}. */
  static void merge(Map<String, Family> families, Target target, String text) {
    String labels =
        "model=\""
            + PrometheusText.escapeLabel(target.model())
            + "\",generation=\""
            + target.generation()
            + "\"";
    Family current = null;
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split("\\s+", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          Family f = families.computeIfAbsent(parts[2], Family::new);
          String rest = parts.length == 4 ? parts[3] : "";
          if (parts[1].equals("HELP") && f.help == null) {
            f.help = rest;
          } else if (parts[1].equals("TYPE")) {
            f.type = rest.isEmpty() ? "untyped" : rest;
          }
          current = f;
        }
        continue;
      }
      int nameEnd = 0;
      while (nameEnd < line.length() && isNameChar(line.charAt(nameEnd))) {
        nameEnd++;
      }
      if (nameEnd == 0) {
        continue; // not a sample
      }
      String name = line.substring(0, nameEnd);
      String rest = line.substring(nameEnd);
      String relabeled;
      if (rest.startsWith("{")) {
        String inner = rest.substring(1);
        relabeled = name + "{" + labels + (inner.startsWith("}") ? "" : ",") + inner;
      } else {
        relabeled = name + "{" + labels + "}" + rest;
      }
      Family f =
          current != null && belongsTo(name, current.name)
              ? current
              : families.computeIfAbsent(name, Family::new);
      f.samples.add(relabeled);
    }
  }

  private static boolean belongsTo(String sample, String family) {
    return sample.equals(family)
        || sample.equals(family + "_bucket")
        || sample.equals(family + "_sum")
        || sample.equals(family + "_count")
        || sample.equals(family + "_total")
        || sample.equals(family + "_created");
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == ':';
  }
}
