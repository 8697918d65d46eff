package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** How {@code /health} answers map onto statuses, using the real server's bodies. */
class HttpHealthProbeTest {
  private static final String LOADED = "endpoints.json";
  private static final String LOADING = "endpoints-during-loading.json";

  @Test
  void realReadyAnswerIsReady() {
    ProbeResult r =
        HttpHealthProbe.classify(
            Captures.status(LOADED, "GET /health (idle)"),
            Captures.body(LOADED, "GET /health (idle)"));
    assertEquals(ProbeResult.ready(), r);
    assertEquals(ProbeReason.OK, r.reason());
  }

  @Test
  void realLoadingAnswerIsLoading() {
    ProbeResult r =
        HttpHealthProbe.classify(
            Captures.status(LOADING, "GET /health"), Captures.body(LOADING, "GET /health"));
    assertEquals(HealthStatus.LOADING, r.status());
    assertEquals(ProbeReason.LOADING, r.reason());
    assertEquals("503 Loading model", r.message());
  }

  @Test
  void olderBuildsLoadingBodiesAreLoadingToo() {
    // b4748 orders the fields differently; mid-2024 builds said {"status":"loading model"}
    assertEquals(
        HealthStatus.LOADING,
        HttpHealthProbe.classify(
                503,
                "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}")
            .status());
    assertEquals(
        HealthStatus.LOADING,
        HttpHealthProbe.classify(503, "{\"status\": \"loading model\"}").status());
  }

  @Test
  void another503IsAFailureQuotingTheServersMessage() {
    ProbeResult r =
        HttpHealthProbe.classify(
            503,
            "{\"error\":{\"code\":503,\"message\":\"no slot available\",\"type\":\"unavailable_error\"}}");
    assertEquals(HealthStatus.FAILED, r.status());
    assertEquals(ProbeReason.UNEXPECTED_STATUS, r.reason());
    assertEquals("503 no slot available", r.message());
  }

  @Test
  void otherStatusesFail() {
    ProbeResult notFound =
        HttpHealthProbe.classify(404, Captures.body(LOADED, "GET /does-not-exist"));
    assertEquals(HealthStatus.FAILED, notFound.status());
    assertEquals(404, notFound.httpStatus());
    assertEquals("404 File Not Found", notFound.message());

    ProbeResult html = HttpHealthProbe.classify(502, "<html><body>Bad Gateway</body></html>");
    assertEquals("502 <html><body>Bad Gateway</body></html>", html.message());
    assertEquals(ProbeReason.UNEXPECTED_STATUS, html.reason());
  }

  @Test
  void okStatusWithGarbageIsAFailure() {
    ProbeResult garbage = HttpHealthProbe.classify(200, "hello");
    assertEquals(HealthStatus.FAILED, garbage.status());
    assertEquals(ProbeReason.BAD_RESPONSE, garbage.reason());
    assertEquals("200 body is not JSON: hello", garbage.message());

    ProbeResult wrong = HttpHealthProbe.classify(200, "{\"status\":\"error\"}");
    assertEquals(ProbeReason.BAD_RESPONSE, wrong.reason());
    assertEquals("200 expected {\"status\":\"ok\"}, got {\"status\":\"error\"}", wrong.message());
  }

  @Test
  void longBodiesAreShortenedInMessages() {
    ProbeResult r = HttpHealthProbe.classify(500, "x".repeat(10_000));
    assertEquals(4 + ProbeResult.MAX_EXCERPT + 3, r.message().length());
  }

  @Test
  void clientExceptionsMapOntoUnreachable() {
    Duration t = Duration.ofSeconds(2);
    assertEquals(ProbeResult.refused(), HttpCall.classify(new ConnectException(), t));
    assertEquals(
        ProbeResult.refused(),
        HttpCall.classify(new CompletionException(new IOException(new ConnectException())), t));
    assertEquals(
        ProbeResult.timedOut(t),
        HttpCall.classify(new HttpTimeoutException("request timed out"), t));
    assertEquals(
        ProbeResult.timedOut(t), HttpCall.classify(new HttpConnectTimeoutException("connect"), t));
    ProbeResult reset = HttpCall.classify(new IOException("Connection reset"), t);
    assertEquals(HealthStatus.UNREACHABLE, reset.status());
    assertEquals(ProbeReason.CONNECTION_ERROR, reset.reason());
    assertEquals("connection error: Connection reset", reset.message());
    assertEquals("no answer within PT2S", ProbeResult.timedOut(t).message());
  }

  @Test
  void rejectsNonPositiveTimeouts() {
    HttpHealthProbe probe = new HttpHealthProbe();
    URI base = URI.create("http://127.0.0.1:1");
    assertThrows(IllegalArgumentException.class, () -> probe.probe(base, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> probe.probe(base, Duration.ofMillis(-1)));
  }

  @Test
  void resolvesPathsWithOrWithoutTrailingSlash() {
    assertEquals(
        URI.create("http://h:1/health"), HttpCall.resolve(URI.create("http://h:1/"), "/health"));
    assertEquals(
        URI.create("http://h:1/health"), HttpCall.resolve(URI.create("http://h:1"), "/health"));
  }
}
