package io.llamasupervisor.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of a remote supervisor, read from {@code GET {registry}/api/v1/models} every {@code
 * interval} on a daemon thread; {@link #models()} returns the last answer and never blocks. Reads
 * {@code id}, {@code alias}, {@code state}, the reason ({@code lastDecision.code}, or {@code
 * catalog.reason} for a rejected file) and message, {@code plan.ctxPerSlot}, {@code plan.parallel},
 * and, when the supervisor sends them, {@code start} ({@code always}/{@code on-demand}) and {@code
 * startupTimeout} (an ISO-8601 duration or seconds). A failed poll keeps the previous list and is
 * logged once per failure streak.
 */
public final class HttpModelDirectory implements ModelDirectory, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpModelDirectory.class);

  private final HttpClient http;
  private final URI uri;
  private final String apiKey;
  private final ObjectMapper json = new ObjectMapper();
  private final ScheduledExecutorService timer;
  private volatile List<ModelInfo> models = List.of();
  private boolean failing;

  /**
   * Polls {@code registry} (the supervisor's API base, e.g. {@code http://127.0.0.1:8090}) with
   * {@code apiKey} (null: none); the first poll runs before the constructor returns.
   */
  public HttpModelDirectory(URI registry, String apiKey, Duration interval) {
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.uri = registry.resolve("/api/v1/models");
    this.apiKey = apiKey;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gateway-model-directory");
              t.setDaemon(true);
              return t;
            });
    poll();
    long ms = interval.toMillis();
    timer.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public List<ModelInfo> models() {
    return models;
  }

  private void poll() {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
      if (apiKey != null) {
        b.header("Authorization", "Bearer " + apiKey);
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("GET " + uri + " answered " + r.statusCode() + ": " + r.body());
      }
      models = parse(json.readTree(r.body()));
      if (failing) {
        LOG.info("Model list of {} readable again", uri);
      }
      failing = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      if (!failing) {
        LOG.warn("Cannot read the model list of {}: {}", uri, e.toString());
      }
      failing = true;
    }
  }

  /** The models in a {@code /api/v1/models} answer. */
  static List<ModelInfo> parse(JsonNode list) {
    List<ModelInfo> out = new ArrayList<>();
    for (JsonNode m : list) {
      String id = m.path("id").asText(null);
      if (id == null) {
        continue;
      }
      String state = m.path("state").asText("unknown");
      String reason = text(m.path("lastDecision").path("code"));
      String message = text(m.path("lastDecision").path("message"));
      if ("rejected".equals(state) && m.path("catalog").hasNonNull("reason")) {
        reason = text(m.path("catalog").path("reason"));
        message = text(m.path("catalog").path("message"));
      }
      StartMode start;
      try {
        start = StartMode.parse(text(m.path("start")));
      } catch (IllegalArgumentException e) {
        start = StartMode.ALWAYS;
      }
      out.add(
          new ModelInfo(
              id,
              text(m.path("alias")),
              state,
              reason,
              message,
              m.path("plan").path("ctxPerSlot").asInt(0),
              m.path("plan").path("parallel").asInt(0),
              start,
              duration(m.path("startupTimeout"))));
    }
    out.sort(Comparator.comparing(ModelInfo::id));
    return List.copyOf(out);
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
  }

  private static Duration duration(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    }
    if (n.isNumber()) {
      return Duration.ofMillis((long) (n.asDouble() * 1000));
    }
    try {
      return Duration.parse(n.asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
