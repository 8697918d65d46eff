package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link HttpHealthProbe} against real sockets. */
class HttpHealthProbeIT {
  private static final Duration TIMEOUT = Duration.ofMillis(300);

  private final HttpHealthProbe probe = new HttpHealthProbe();
  private TestHttpServer server;

  @AfterEach
  void closeServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void loadingThenReadyWithTheRealBodies() throws Exception {
    String loadingBody = Captures.body("endpoints-during-loading.json", "GET /health");
    String readyBody = Captures.body("endpoints.json", "GET /health (idle)");
    server = new TestHttpServer().route("GET /health", TestHttpServer.Reply.json(503, loadingBody));

    assertEquals(
        ProbeResult.loading(), probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS));
    server.route("GET /health", TestHttpServer.Reply.json(200, readyBody));
    assertEquals(ProbeResult.ready(), probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS));
    // with or without a trailing slash
    URI slash = URI.create(server.base() + "/");
    assertEquals(ProbeResult.ready(), probe.probe(slash, TIMEOUT).get(5, TimeUnit.SECONDS));
    assertEquals(3, server.count("/health"));
  }

  @Test
  void serverErrorIsFailed() throws Exception {
    server =
        new TestHttpServer()
            .route(
                "GET /health",
                TestHttpServer.Reply.json(
                    500,
                    "{\"error\":{\"code\":500,\"message\":\"boom\",\"type\":\"server_error\"}}"));
    ProbeResult r = probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
    assertEquals(HealthStatus.FAILED, r.status());
    assertEquals("500 boom", r.message());
  }

  @Test
  void nothingListeningIsRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProbeResult r =
        probe.probe(URI.create("http://127.0.0.1:" + port), TIMEOUT).get(5, TimeUnit.SECONDS);
    assertEquals(ProbeResult.refused(), r);
  }

  @Test
  void aServerThatAcceptsButNeverAnswersTimesOut() throws Exception {
    try (SilentServer silent = new SilentServer(false)) {
      long t = System.nanoTime();
      ProbeResult r = probe.probe(silent.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
      assertEquals(ProbeResult.timedOut(TIMEOUT), r);
      assertTrue(ms >= 250 && ms < 2000, "took " + ms + " ms");
      assertEquals(1, silent.connections());
    }
  }

  @Test
  void aServerThatHangsUpIsAConnectionError() throws Exception {
    try (SilentServer hangUp = new SilentServer(true)) {
      ProbeResult r = probe.probe(hangUp.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
      assertEquals(HealthStatus.UNREACHABLE, r.status());
      assertEquals(ProbeReason.CONNECTION_ERROR, r.reason(), r.message());
    }
  }

  @Test
  void headersFollowedByAStalledBodyStillTimeOut() throws Exception {
    server = new TestHttpServer().stallBody("GET /health");
    long t = System.nanoTime();
    ProbeResult r = probe.probe(server.base(), TIMEOUT).get(5, TimeUnit.SECONDS);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
    assertEquals(ProbeResult.timedOut(TIMEOUT), r);
    assertTrue(ms < 2000, "took " + ms + " ms");
  }
}
