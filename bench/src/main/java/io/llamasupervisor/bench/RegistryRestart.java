package io.llamasupervisor.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code POST /api/v1/models/{id}/restart} on the supervisor's API. The id goes into the path as it
 * is, its {@code /} included; other characters outside the URI's unreserved set are
 * percent-encoded.
 */
final class RegistryRestart implements RestartTrigger {
  private final String base;
  private final String apiKey;
  private final HttpClient http;
  private final Duration timeout;

  RegistryRestart(URI registry, String apiKey, Duration timeout) {
    String b = registry.toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** The restart URI of {@code model} under {@code base} (no trailing slash). */
  static URI uri(String base, String model) {
    StringBuilder path = new StringBuilder();
    for (String segment : model.split("/", -1)) {
      if (path.length() > 0) {
        path.append('/');
      }
      path.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return URI.create(base + "/api/v1/models/" + path + "/restart");
  }

  @Override
  public Answer restart(String model) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(base, model))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody());
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }
}
