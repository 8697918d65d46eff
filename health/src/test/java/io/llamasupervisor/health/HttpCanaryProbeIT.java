package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The completion canary against the real server's completion bodies. */
class HttpCanaryProbeIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private TestHttpServer server;

  @AfterEach
  void closeServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void nativeCompletionPasses() throws Exception {
    server =
        new TestHttpServer()
            .route(
                "POST /completion",
                TestHttpServer.Reply.json(
                    200, Captures.body("endpoints.json", "POST /completion")));
    ProbeResult r =
        new HttpCanaryProbe(HttpCanaryProbe.Endpoint.COMPLETION)
            .probe(server.base(), TIMEOUT)
            .get(5, TimeUnit.SECONDS);
    assertEquals(ProbeResult.passed(200, "POST /completion returned 200"), r);
  }

  @Test
  void openAiCompletionPassesAndSendsTheApiKey() throws Exception {
    server =
        new TestHttpServer()
            .route(
                "POST /v1/completions",
                TestHttpServer.Reply.json(
                    200, Captures.body("endpoints.json", "POST /v1/completions")));
    HttpCanaryProbe canary =
        new HttpCanaryProbe(
            HttpClient.newHttpClient(), HttpCanaryProbe.Endpoint.V1_COMPLETIONS, Optional.of("s3"));
    ProbeResult r = canary.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);

    assertEquals(HealthStatus.READY, r.status());
    TestHttpServer.Request req = server.requests().get(0);
    assertEquals("{\"prompt\":\"hi\",\"max_tokens\":1}", req.body());
    assertEquals(List.of("Bearer s3"), req.headers().get("Authorization"));
  }

  @Test
  void answersThatAreNotCompletionsFail() throws Exception {
    server =
        new TestHttpServer()
            .route("POST /completion", TestHttpServer.Reply.json(200, "{\"status\":\"ok\"}"));
    ProbeResult r =
        new HttpCanaryProbe(HttpCanaryProbe.Endpoint.COMPLETION)
            .probe(server.base(), TIMEOUT)
            .get(5, TimeUnit.SECONDS);
    assertEquals(ProbeReason.BAD_RESPONSE, r.reason());
    assertEquals(
        "POST /completion returned 200 without \"content\": {\"status\":\"ok\"}", r.message());
  }

  @Test
  void unauthorizedIsAFailureNamingTheRequest() throws Exception {
    server =
        new TestHttpServer()
            .route(
                "POST /completion",
                TestHttpServer.Reply.json(
                    401,
                    "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}"));
    ProbeResult r =
        new HttpCanaryProbe(HttpCanaryProbe.Endpoint.COMPLETION)
            .probe(server.base(), TIMEOUT)
            .get(5, TimeUnit.SECONDS);
    assertEquals("POST /completion returned 401: Invalid API Key", r.message());
  }
}
