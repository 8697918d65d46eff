package io.llamasupervisor.health;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link HealthProbe} over HTTP: {@code GET <base>/health}, mapped as llama-server (b10470, and the
 * older b4748 body layout) answers it:
 *
 * <ul>
 *   <li>200 with a JSON object whose {@code status} is {@code "ok"} -> {@link HealthStatus#READY};
 *   <li>503 whose body says {@code Loading model} ({@code error.message}, or {@code status} in old
 *       builds) -> {@link HealthStatus#LOADING};
 *   <li>connection refused / reset / closed, or no complete answer within the timeout -> {@link
 *       HealthStatus#UNREACHABLE};
 *   <li>anything else (another status, another 503, a 200 with a different body) -> {@link
 *       HealthStatus#FAILED}.
 * </ul>
 *
 * <p>Thread-safe and stateless: share one instance for all instances of a supervisor.
 */
public final class HttpHealthProbe implements HealthProbe {
  /** The path probed; {@code /v1/health} is identical on current builds but absent on old ones. */
  public static final String PATH = "/health";

  private final HttpCall.Transport http;

  /** A probe on the probes' shared plain-socket HTTP/1.1 client (see {@link PlainHttp}). */
  public HttpHealthProbe() {
    this.http = PlainHttp.SHARED;
  }

  /** A probe using {@code client}. */
  public HttpHealthProbe(HttpClient client) {
    this.http = HttpCall.jdk(Objects.requireNonNull(client, "client"));
  }

  @Override
  public CompletableFuture<ProbeResult> probe(URI base, Duration timeout) {
    Objects.requireNonNull(base, "base");
    requirePositive(timeout);
    return http.get(base, PATH, timeout, Optional.empty())
        .thenApply(
            reply ->
                reply instanceof HttpCall.Response r
                    ? classify(r.status(), r.body())
                    : ((HttpCall.Failure) reply).result());
  }

  /** Maps one {@code /health} answer onto a result. Pure; public for the tests of callers. */
  public static ProbeResult classify(int httpStatus, String body) {
    Optional<JsonNode> json = JsonBody.parse(body);
    if (httpStatus == 200) {
      String status = JsonBody.text(json, "status").orElse(null);
      if ("ok".equalsIgnoreCase(status)) {
        return ProbeResult.ready();
      }
      return ProbeResult.badResponse(
          200,
          json.isEmpty()
              ? "body is not JSON: " + ProbeResult.excerpt(body)
              : "expected {\"status\":\"ok\"}, got " + ProbeResult.excerpt(body));
    }
    if (httpStatus == 503 && saysLoading(json, body)) {
      return ProbeResult.loading();
    }
    return ProbeResult.unexpectedStatus(httpStatus, errorMessage(json).orElse(body));
  }

  private static boolean saysLoading(Optional<JsonNode> json, String body) {
    String message =
        JsonBody.text(json, "error", "message").or(() -> JsonBody.text(json, "status")).orElse("");
    if (message.toLowerCase(Locale.ROOT).contains("loading model")) {
      return true;
    }
    return json.isEmpty()
        && body != null
        && body.toLowerCase(Locale.ROOT).contains("loading model");
  }

  /** llama-server's error bodies are {@code {"error":{"message":...}}}; quote just the message. */
  private static Optional<String> errorMessage(Optional<JsonNode> json) {
    return JsonBody.text(json, "error", "message");
  }

  static void requirePositive(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }
}
