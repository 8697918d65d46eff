package io.llamasupervisor.gateway;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a remote supervisor to start a model: {@code POST {registry}/api/v1/models/{id}/start} with
 * the API key, sent asynchronously (the gateway thread never waits). A refusal is logged; the
 * waiting requests then end at their startup deadline. The gateway asks only for models the
 * directory does not report as stopped by an operator, rejected or failed.
 */
public final class HttpModelStarter implements ModelStarter {
  private static final Logger LOG = LoggerFactory.getLogger(HttpModelStarter.class);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI registry;
  private final String apiKey;

  /** {@code apiKey} needs the {@code operate} role; null when the supervisor has no keys. */
  public HttpModelStarter(URI registry, String apiKey) {
    this.registry = registry;
    this.apiKey = apiKey;
  }

  @Override
  public void requestStart(String modelId) {
    URI uri = registry.resolve("/api/v1/models/" + encodePath(modelId) + "/start");
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                LOG.warn("Asking {} to start {} failed: {}", registry, modelId, e.toString());
              } else if (r.statusCode() >= 300) {
                LOG.warn(
                    "{} refused to start {}: {} {}", registry, modelId, r.statusCode(), r.body());
              } else {
                LOG.info("Asked {} to start {} (on demand)", registry, modelId);
              }
            });
  }

  /** Each segment of {@code id} percent-encoded; the slashes stay. */
  static String encodePath(String id) {
    StringBuilder out = new StringBuilder();
    for (String seg : id.split("/", -1)) {
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return out.toString();
  }
}
