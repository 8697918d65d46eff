package io.llamasupervisor.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small client of a running {@code serve}'s HTTP API for the CLI (JDK {@link HttpClient}, one
 * request at a time). Every call is bounded by a timeout; transport failures are {@link
 * IOException}s for the caller to report as "cannot reach", with {@link #cause(Throwable)} as the
 * reason.
 */
final class SupervisorApi {
  /** An answer: status code and body text. */
  record Answer(int status, String body) {
    boolean ok() {
      return status / 100 == 2;
    }

    /** The whole answer of a streamed request (for one that is not a success); closes it. */
    static Answer of(HttpResponse<InputStream> streamed) throws IOException {
      try (InputStream in = streamed.body()) {
        return new Answer(
            streamed.statusCode(),
            new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final URI base;
  private final String apiKey;
  private final HttpClient http;

  SupervisorApi(URI base, String apiKey) {
    this.base = base;
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /**
   * Why a request to this API failed, in words for a user: {@code connection refused}, {@code
   * unknown host nonexistent.invalid}, {@code connect timed out}, else the first message of the
   * exception's cause chain, else its class's simple name. Never {@code null}: the JDK's HTTP
   * client throws a {@link java.net.ConnectException} without a message for a refused connection
   * and an {@link java.nio.channels.UnresolvedAddressException} (also without one) for an unknown
   * host.
   */
  String cause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.UnresolvedAddressException
          || t instanceof java.net.UnknownHostException) {
        return "unknown host " + base.getHost();
      }
    }
    if (e instanceof java.net.http.HttpConnectTimeoutException) {
      return "connect timed out after " + TIMEOUT.toSeconds() + "s";
    }
    if (e instanceof java.net.http.HttpTimeoutException) {
      return "no answer within " + TIMEOUT.toSeconds() + "s";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        return t instanceof java.net.ConnectException || t instanceof java.net.SocketException
            ? m.toLowerCase(java.util.Locale.ROOT)
            : m;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "connection refused";
      }
    }
    return e.getClass().getSimpleName();
  }

  /** The base URL, for messages. */
  URI base() {
    return base;
  }

  Answer get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  Answer post(String path) throws IOException, InterruptedException {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  /** A streamed GET (e.g. SSE) without a total timeout; the caller closes the stream. */
  HttpResponse<InputStream> stream(String path) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
    auth(b);
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT);
    auth(b);
    return b;
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  /**
   * {@code /api/v1/models/<id>} plus {@code suffix}: the id's slashes kept, everything else that is
   * not URL-safe percent-encoded.
   */
  static String modelPath(String id, String suffix) {
    StringBuilder sb = new StringBuilder("/api/v1/models/");
    String[] segments = id.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        sb.append('/');
      }
      sb.append(
          java.net.URLEncoder.encode(segments[i], java.nio.charset.StandardCharsets.UTF_8)
              .replace("+", "%20"));
    }
    return sb + suffix;
  }

  private void auth(HttpRequest.Builder b) {
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
  }

  private Answer send(HttpRequest r) throws IOException, InterruptedException {
    HttpResponse<String> a = http.send(r, HttpResponse.BodyHandlers.ofString());
    return new Answer(a.statusCode(), a.body());
  }
}
