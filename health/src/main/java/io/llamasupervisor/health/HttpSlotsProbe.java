package io.llamasupervisor.health;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link SlotsProbe} over HTTP. Reads {@code GET /slots} (a JSON array, one object per slot, busy
 * when {@code is_processing} is true; builds that report a numeric {@code state} instead are read
 * as busy when it is not 0). When {@code /slots} is disabled ({@code --no-slots}, HTTP 501) it
 * falls back to {@code GET /metrics} {@code llamacpp:requests_processing} for the busy count and
 * {@code GET /props} {@code total_slots} for the total (unknown if that fails). Extra fields are
 * ignored.
 *
 * <p>Note that on llama-server both {@code /slots} and {@code /metrics} are answered by the
 * inference loop and wake a server sleeping under {@code --sleep-idle-seconds}; poll them only when
 * needed (e.g. while draining). The whole exchange is bounded by the given timeout. Thread-safe.
 */
public final class HttpSlotsProbe implements SlotsProbe {
  static final String METRIC = "llamacpp:requests_processing";

  private final HttpCall.Transport http;
  private final Optional<String> apiKey;

  /** A probe on the probes' shared plain-socket HTTP/1.1 client, without API key. */
  public HttpSlotsProbe() {
    this.http = PlainHttp.SHARED;
    this.apiKey = Optional.empty();
  }

  /**
   * @param apiKey sent as {@code Authorization: Bearer <key>}; llama-server requires it on these
   *     endpoints when started with {@code --api-key}
   */
  public HttpSlotsProbe(HttpClient client, Optional<String> apiKey) {
    this.http = HttpCall.jdk(Objects.requireNonNull(client, "client"));
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
  }

  @Override
  public CompletableFuture<SlotsResult> probe(URI base, Duration timeout) {
    Objects.requireNonNull(base, "base");
    HttpHealthProbe.requirePositive(timeout);
    return get(base, "/slots", timeout)
        .thenCompose(
            reply -> {
              if (reply instanceof HttpCall.Response r && r.status() == 200) {
                return CompletableFuture.completedFuture(parseSlots(r.body()));
              }
              if (reply instanceof HttpCall.Response r && r.status() == 501) {
                return fromMetrics(base, timeout);
              }
              return CompletableFuture.completedFuture(unavailable("/slots", reply));
            })
        .completeOnTimeout(
            new SlotsResult.Unavailable(
                ProbeReason.PROBE_TIMEOUT, "slot usage: no answer within " + timeout),
            Math.max(1, timeout.toMillis()),
            TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<SlotsResult> fromMetrics(URI base, Duration timeout) {
    return get(base, "/metrics", timeout)
        .thenCompose(
            reply -> {
              if (reply instanceof HttpCall.Response r && r.status() == 200) {
                SlotsResult busy = parseMetrics(r.body(), OptionalInt.empty());
                if (!(busy instanceof SlotsResult.Known known)) {
                  return CompletableFuture.completedFuture(busy);
                }
                return get(base, "/props", timeout)
                    .thenApply(
                        props ->
                            props instanceof HttpCall.Response p && p.status() == 200
                                ? new SlotsResult.Known(
                                    known.busySlots(),
                                    parseTotalSlots(p.body()),
                                    SlotsResult.Source.METRICS)
                                : known);
              }
              if (reply instanceof HttpCall.Response r && r.status() == 501) {
                return CompletableFuture.completedFuture(
                    new SlotsResult.Unavailable(
                        ProbeReason.NOT_SUPPORTED,
                        "/slots and /metrics are both disabled"
                            + " (start llama-server with --slots or --metrics)"));
              }
              return CompletableFuture.completedFuture(unavailable("/metrics", reply));
            });
  }

  private CompletableFuture<HttpCall.Reply> get(URI base, String path, Duration timeout) {
    return http.get(base, path, timeout, apiKey);
  }

  private static SlotsResult unavailable(String path, HttpCall.Reply reply) {
    if (reply instanceof HttpCall.Failure f) {
      return new SlotsResult.Unavailable(f.result().reason(), path + ": " + f.result().message());
    }
    HttpCall.Response r = (HttpCall.Response) reply;
    ProbeResult health = HttpHealthProbe.classify(r.status(), r.body());
    if (health.status() == HealthStatus.LOADING) {
      return new SlotsResult.Unavailable(ProbeReason.LOADING, path + ": 503 Loading model");
    }
    return new SlotsResult.Unavailable(
        ProbeReason.UNEXPECTED_STATUS,
        path + ": " + ProbeResult.unexpectedStatus(r.status(), errorText(r.body())).message());
  }

  private static String errorText(String body) {
    return JsonBody.text(JsonBody.parse(body), "error", "message").orElse(body);
  }

  /** Reads a {@code /slots} body. Pure. */
  static SlotsResult parseSlots(String body) {
    Optional<JsonNode> json = JsonBody.parse(body);
    if (json.isEmpty()) {
      return bad("/slots body is not JSON: " + ProbeResult.excerpt(body));
    }
    if (!json.get().isArray()) {
      return bad("/slots body is not a JSON array: " + ProbeResult.excerpt(body));
    }
    JsonNode slots = json.get();
    int busy = 0;
    for (int i = 0; i < slots.size(); i++) {
      JsonNode slot = slots.get(i);
      if (!slot.isObject()) {
        return bad("/slots entry " + i + " is not an object");
      }
      JsonNode processing = slot.path("is_processing");
      JsonNode state = slot.path("state");
      if (processing.isBoolean()) {
        busy += processing.booleanValue() ? 1 : 0;
      } else if (state.isNumber()) {
        busy += state.longValue() != 0 ? 1 : 0;
      } else {
        return bad("/slots entry " + i + " has neither is_processing nor state");
      }
    }
    return new SlotsResult.Known(busy, OptionalInt.of(slots.size()), SlotsResult.Source.SLOTS);
  }

  /** Reads {@code llamacpp:requests_processing} from a {@code /metrics} body. Pure. */
  static SlotsResult parseMetrics(String body, OptionalInt totalSlots) {
    List<Double> values = PrometheusText.samples(body == null ? "" : body, METRIC);
    if (values.isEmpty()) {
      return bad("/metrics has no " + METRIC);
    }
    double sum = 0;
    for (double v : values) {
      if (!Double.isFinite(v) || v < 0) {
        return bad("/metrics " + METRIC + " is " + v);
      }
      sum += v;
    }
    return new SlotsResult.Known((int) Math.round(sum), totalSlots, SlotsResult.Source.METRICS);
  }

  /** Reads {@code total_slots} from a {@code /props} body; empty when absent or unreadable. */
  static OptionalInt parseTotalSlots(String body) {
    return JsonBody.at(JsonBody.parse(body), "total_slots")
        .filter(n -> n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 0)
        .map(n -> OptionalInt.of(n.intValue()))
        .orElse(OptionalInt.empty());
  }

  private static SlotsResult bad(String message) {
    return new SlotsResult.Unavailable(ProbeReason.BAD_RESPONSE, message);
  }
}
