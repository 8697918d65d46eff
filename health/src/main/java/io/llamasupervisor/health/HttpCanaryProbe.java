package io.llamasupervisor.health;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link HealthProbe} that asks for a one-token completion, to catch a server whose {@code
 * /health} is 200 while completions fail (e.g. HTTP 500). {@link HealthStatus#READY} when the
 * server answers 2xx with a JSON object holding the endpoint's result field ({@code content} or
 * {@code choices}); otherwise a failed result whose message names the request, e.g. {@code POST
 * /completion returned 500: <error message>}.
 *
 * <p>The request occupies a slot for one token; it waits for a free slot like any other request.
 * Thread-safe.
 */
public final class HttpCanaryProbe implements HealthProbe {
  /** Which completion endpoint the canary uses. */
  public enum Endpoint {
    /** llama-server's native {@code POST /completion} with {@code n_predict: 1}. */
    COMPLETION("/completion", "{\"prompt\":\"hi\",\"n_predict\":1}", "content"),
    /** The OpenAI-compatible {@code POST /v1/completions} with {@code max_tokens: 1}. */
    V1_COMPLETIONS("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":1}", "choices");

    private final String path;
    private final String body;
    private final String resultField;

    Endpoint(String path, String body, String resultField) {
      this.path = path;
      this.body = body;
      this.resultField = resultField;
    }

    public String path() {
      return path;
    }

    /** The JSON request body sent. */
    public String body() {
      return body;
    }
  }

  private final HttpClient client;
  private final Endpoint endpoint;
  private final Optional<String> apiKey;

  /** A canary on {@code endpoint} on the probes' shared client, without API key. */
  public HttpCanaryProbe(Endpoint endpoint) {
    this(HttpCall.sharedClient(), endpoint, Optional.empty());
  }

  /**
   * @param apiKey sent as {@code Authorization: Bearer <key>} when the server runs with {@code
   *     --api-key} (completions need it, {@code /health} does not)
   */
  public HttpCanaryProbe(HttpClient client, Endpoint endpoint, Optional<String> apiKey) {
    this.client = Objects.requireNonNull(client, "client");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
  }

  @Override
  public CompletableFuture<ProbeResult> probe(URI base, Duration timeout) {
    Objects.requireNonNull(base, "base");
    HttpHealthProbe.requirePositive(timeout);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(HttpCall.resolve(base, endpoint.path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(endpoint.body));
    apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
    return HttpCall.send(client, request.build(), timeout).thenApply(this::judge);
  }

  private ProbeResult judge(HttpCall.Reply reply) {
    String what = "POST " + endpoint.path;
    if (reply instanceof HttpCall.Failure f) {
      ProbeResult r = f.result();
      return new ProbeResult(r.status(), r.reason(), 0, what + ": " + r.message());
    }
    HttpCall.Response r = (HttpCall.Response) reply;
    Optional<JsonNode> json = JsonBody.parse(r.body());
    if (r.status() < 200 || r.status() > 299) {
      String detail = JsonBody.text(json, "error", "message").orElse(r.body());
      String text = ProbeResult.excerpt(detail);
      return new ProbeResult(
          HealthStatus.FAILED,
          ProbeReason.UNEXPECTED_STATUS,
          r.status(),
          what + " returned " + r.status() + (text.isEmpty() ? "" : ": " + text));
    }
    if (JsonBody.at(json, endpoint.resultField).isEmpty()) {
      return new ProbeResult(
          HealthStatus.FAILED,
          ProbeReason.BAD_RESPONSE,
          r.status(),
          what
              + " returned "
              + r.status()
              + " without \""
              + endpoint.resultField
              + "\": "
              + ProbeResult.excerpt(r.body()));
    }
    return ProbeResult.passed(r.status(), what + " returned " + r.status());
  }
}
