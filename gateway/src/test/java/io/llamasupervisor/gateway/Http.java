package io.llamasupervisor.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small HTTP/1.1 client for the gateway's tests. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  static HttpResponse<String> post(int port, String path, String json) {
    return post(port, path, json, Map.of());
  }

  static HttpResponse<String> post(
      int port, String path, String json, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(b::header);
    return send(b.build());
  }

  static HttpResponse<String> get(int port, String path, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .GET();
    headers.forEach(b::header);
    return send(b.build());
  }

  static HttpResponse<String> get(int port, String path) {
    return get(port, path, Map.of());
  }

  private static HttpResponse<String> send(HttpRequest r) {
    try {
      return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String chat(String model, int maxTokens, boolean stream) {
    return "{"
        + (model == null ? "" : "\"model\":\"" + model + "\",")
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],"
        + "\"max_tokens\":"
        + maxTokens
        + ",\"stream\":"
        + stream
        + "}";
  }
}
