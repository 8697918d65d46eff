package io.llamasupervisor.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Liveness against real sockets with a fast policy. */
class LivenessMonitorIT {
  private static final LivenessPolicy FAST =
      new LivenessPolicy(
          Duration.ofMillis(100), Duration.ofMillis(100), 3, Duration.ZERO, Duration.ofMillis(200));

  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private final HttpHealthProbe health = new HttpHealthProbe();
  private final List<UnhealthyEvent> events = new CopyOnWriteArrayList<>();
  private TestHttpServer server;

  LivenessMonitorIT() {
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    scheduler.shutdownNow();
  }

  @Test
  void aServerThatAcceptsButNeverAnswersBecomesUnhealthyThroughTimeouts() throws Exception {
    try (SilentServer silent = new SilentServer(false)) {
      LivenessMonitor m =
          new LivenessMonitor(silent.base(), FAST, health, Clock.systemUTC(), scheduler);
      m.start(events::add);

      await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
      UnhealthyEvent e = events.get(0);
      assertEquals(ProbeReason.UNHEALTHY, e.reason());
      assertEquals(
          "UNHEALTHY: 3 consecutive /health misses: no answer within PT0.1S;"
              + " no answer within PT0.1S; no answer within PT0.1S",
          e.message());
      assertEquals(LivenessMonitor.State.UNHEALTHY, m.state());
      assertEquals(0, scheduler.getQueue().size(), "no timers left");
      int connections = silent.connections();
      await()
          .during(Duration.ofMillis(400))
          .atMost(Duration.ofSeconds(2))
          .until(() -> silent.connections() == connections && events.size() == 1);
    }
  }

  @Test
  void healthyServerStaysHealthyThenFailingHealthIsReported() throws Exception {
    server = new TestHttpServer().route("GET /health", TestHttpServer.OK);
    // the first exchange of a JVM loads classes for longer than FAST's 100 ms timeout
    assertEquals(ProbeResult.ready(), health.probe(server.base(), Duration.ofSeconds(10)).join());
    LivenessMonitor m =
        new LivenessMonitor(server.base(), FAST, health, Clock.systemUTC(), scheduler);
    m.start(events::add);
    await().atMost(Duration.ofSeconds(5)).until(() -> server.count("/health") >= 4);
    assertTrue(events.isEmpty());
    assertEquals(Optional.of(ProbeResult.ready()), m.lastResult());

    server.route("GET /health", TestHttpServer.Reply.json(500, "{\"error\":{\"message\":\"x\"}}"));
    await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
    assertEquals(
        "UNHEALTHY: 3 consecutive /health misses: 500 x; 500 x; 500 x", events.get(0).message());
  }

  @Test
  void stopEndsProbing() throws Exception {
    server = new TestHttpServer().route("GET /health", TestHttpServer.OK);
    // the first exchange of a JVM loads classes for longer than FAST's 100 ms timeout
    assertEquals(ProbeResult.ready(), health.probe(server.base(), Duration.ofSeconds(10)).join());
    LivenessMonitor m =
        new LivenessMonitor(server.base(), FAST, health, Clock.systemUTC(), scheduler);
    m.start(events::add);
    await().atMost(Duration.ofSeconds(5)).until(() -> server.count("/health") >= 2);

    m.stop();

    long seen = server.count("/health");
    await()
        .during(Duration.ofMillis(400))
        .atMost(Duration.ofSeconds(2))
        .until(() -> server.count("/health") <= seen + 1);
    assertEquals(0, scheduler.getQueue().size());
    assertTrue(events.isEmpty());
  }

  @Test
  void canaryCatchesCompletionsFailingWhileHealthIsOk() throws Exception {
    String failure =
        "{\"error\":{\"code\":500,\"message\":\"The model produced output that does not match the"
            + " expected Content-only format\",\"type\":\"server_error\"}}";
    server =
        new TestHttpServer()
            .route("GET /health", TestHttpServer.OK)
            .route("POST /completion", TestHttpServer.Reply.json(500, failure));
    // a canary timeout a first exchange of a cold JDK client on a busy machine cannot miss
    LivenessPolicy withCanary =
        new LivenessPolicy(
            Duration.ofMillis(100),
            Duration.ofMillis(100),
            3,
            Duration.ofSeconds(2),
            Duration.ofSeconds(2));
    LivenessMonitor m =
        new LivenessMonitor(
            server.base(),
            withCanary,
            health,
            new HttpCanaryProbe(HttpCanaryProbe.Endpoint.COMPLETION),
            Clock.systemUTC(),
            scheduler);
    m.start(events::add);

    await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
    UnhealthyEvent e = events.get(0);
    assertEquals(ProbeReason.CANARY_FAILED, e.reason());
    assertEquals(
        "CANARY_FAILED: POST /completion returned 500: The model produced output that does not"
            + " match the expected Content-only format",
        e.message());
    assertTrue(server.count("/health") >= 2, "/health kept answering 200 meanwhile");
    TestHttpServer.Request canary =
        server.requests().stream().filter(r -> r.path().equals("/completion")).findFirst().get();
    assertEquals("{\"prompt\":\"hi\",\"n_predict\":1}", canary.body());
    assertEquals("application/json", canary.headers().get("Content-type").get(0));
  }
}
