package io.llamasupervisor.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Readiness against a real HTTP server, real clock and real scheduler. */
class ReadinessWaitIT {
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private static final HttpHealthProbe probe = new HttpHealthProbe();
  private final ReadinessWait wait = new ReadinessWait(probe, Clock.systemUTC(), scheduler);
  private final CompletableFuture<String> exited = new CompletableFuture<>();
  private TestHttpServer server;

  /** The first request of a JVM loads the HTTP client (hundreds of ms on a busy machine). */
  @BeforeAll
  static void warmUpTheClient() throws Exception {
    try (TestHttpServer warm = new TestHttpServer().route("GET /health", TestHttpServer.OK)) {
      probe.probe(warm.base(), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
    }
  }

  ReadinessWaitIT() {
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    scheduler.shutdownNow();
  }

  /**
   * A model that loads in 90 ms: the server answers 503 Loading model, then 200. The wait ends with
   * the first 200 it gets, never before it (and asks no further). How soon after the switch it
   * learns it is a benchmark figure, logged here.
   */
  @Test
  void readyIsObservedAtTheFirst200AfterLoading() throws Exception {
    long startedNanos = System.nanoTime();
    long loadNanos = TimeUnit.MILLISECONDS.toNanos(90);
    AtomicLong switchedAt = new AtomicLong();
    AtomicLong firstOkAt = new AtomicLong();
    AtomicInteger oks = new AtomicInteger();
    server =
        new TestHttpServer()
            .route(
                "GET /health",
                r -> {
                  long now = System.nanoTime();
                  if (now - startedNanos < loadNanos) {
                    return TestHttpServer.LOADING;
                  }
                  switchedAt.compareAndSet(0, startedNanos + loadNanos);
                  if (oks.getAndIncrement() == 0) {
                    firstOkAt.set(System.nanoTime());
                  }
                  return TestHttpServer.OK;
                });

    ReadinessWait.Waiting w = wait.start(server.base(), Duration.ofSeconds(10), exited);
    AtomicLong observedAt = new AtomicLong();
    w.result().whenComplete((r, e) -> observedAt.set(System.nanoTime()));
    ReadinessResult result = w.result().get(10, TimeUnit.SECONDS);

    assertInstanceOf(ReadinessResult.Ready.class, result);
    assertTrue(server.count("/health") >= 2, "saw the loading phase");
    assertEquals(1, oks.get(), "the wait ended with the first 200");
    assertTrue(observedAt.get() >= firstOkAt.get(), "ready observed before any 200");
    LoggerFactory.getLogger(ReadinessWaitIT.class)
        .info(
            "ready observed {} ms after the switch",
            TimeUnit.NANOSECONDS.toMillis(observedAt.get() - switchedAt.get()));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> oks.get() == 1); // no probe after the verdict
    assertEquals(0, scheduler.getQueue().size(), "no timer left behind");
  }

  @Test
  void deadlineAgainstAServerThatNeverFinishesLoading() throws Exception {
    server = new TestHttpServer().route("GET /health", TestHttpServer.LOADING);
    ReadinessResult result =
        wait.start(server.base(), Duration.ofMillis(400), exited).result().get(5, TimeUnit.SECONDS);

    ReadinessResult.TimedOut out = assertInstanceOf(ReadinessResult.TimedOut.class, result);
    assertEquals(
        "/health should return HTTP 200 within PT0.4S; last: 503 Loading model", out.message());
    assertEquals(0, scheduler.getQueue().size());
  }

  @Test
  void exitDuringLoadingEndsTheWaitAtOnceAndProbingStops() throws Exception {
    server = new TestHttpServer().route("GET /health", TestHttpServer.LOADING);
    ReadinessWait.Waiting w = wait.start(server.base(), Duration.ofSeconds(30), exited);
    await().atMost(Duration.ofSeconds(5)).until(() -> server.count("/health") >= 3);

    exited.complete("exit code 1");

    ReadinessResult.Exited ex =
        assertInstanceOf(ReadinessResult.Exited.class, w.result().getNow(null));
    assertEquals("exit code 1", ex.exitInfo());
    long seen = server.count("/health");
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(2))
        .until(() -> server.count("/health") <= seen + 1); // at most the one in flight
    assertEquals(0, scheduler.getQueue().size());
  }
}
