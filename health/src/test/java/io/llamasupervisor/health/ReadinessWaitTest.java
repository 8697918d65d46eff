package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.health.testing.FakeHealthProbe;
import io.llamasupervisor.testing.ManualScheduler;
import io.llamasupervisor.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Readiness gating with a fake clock, scheduler and probe: exact schedule, no real waiting. */
class ReadinessWaitTest {
  private static final URI BASE = URI.create("http://127.0.0.1:18101");
  private static final Duration STARTUP = Duration.ofSeconds(30);

  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final Instant t0 = clock.instant();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final FakeHealthProbe probe =
      new FakeHealthProbe(clock, scheduler, ProbeResult.loading());
  private final ReadinessWait wait = new ReadinessWait(probe, clock, scheduler);
  private final CompletableFuture<String> exited = new CompletableFuture<>();

  @Test
  void pollsAt50MsThenBacksOffByHalfUpTo500Ms() {
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    scheduler.advance(Duration.ofMillis(3000));

    assertEquals(
        List.of(0L, 50L, 125L, 237L, 405L, 657L, 1035L, 1535L, 2035L, 2535L), callOffsets());
    assertFalse(w.result().isDone());
    assertEquals(10, w.probes());
    probe.calls().forEach(c -> assertEquals(BASE, c.base()));
    probe.calls().forEach(c -> assertEquals(ReadinessWait.DEFAULT_PROBE_TIMEOUT, c.timeout()));
  }

  @Test
  void unreachableThenLoadingThenReadyEndsWithTheElapsedTime() {
    probe.answer(ProbeResult.refused(), ProbeResult.loading(), ProbeResult.ready());
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    scheduler.advance(Duration.ofMillis(200));

    ReadinessResult.Ready ready = assertInstanceOf(ReadinessResult.Ready.class, w.result().join());
    assertEquals(Duration.ofMillis(125), ready.elapsed());
    assertEquals(ProbeReason.OK, ready.reason());
    assertEquals(0, scheduler.pending(), "deadline timer and next poll are cancelled");
    scheduler.advance(Duration.ofSeconds(60));
    assertEquals(3, probe.calls().size());
  }

  @Test
  void deadlineEndsTheWaitExactlyThenWithWhatWasExpected() {
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    Instant[] endedAt = new Instant[1];
    w.result().whenComplete((r, e) -> endedAt[0] = clock.instant());
    scheduler.advance(Duration.ofSeconds(31));

    ReadinessResult.TimedOut out =
        assertInstanceOf(ReadinessResult.TimedOut.class, w.result().join());
    assertEquals(
        "/health should return HTTP 200 within PT30S; last: 503 Loading model", out.message());
    assertEquals(ProbeReason.HEALTH_TIMEOUT, out.reason());
    assertEquals(Optional.of(ProbeResult.loading()), out.lastStatus());
    assertEquals(STARTUP, out.elapsed());
    assertEquals(t0.plus(STARTUP), endedAt[0]);
    List<Instant> calls = probe.callTimes();
    assertTrue(calls.get(calls.size() - 1).isBefore(t0.plus(STARTUP)), "no probe at the deadline");
    assertEquals(0, scheduler.pending());
  }

  @Test
  void aHungProbeDoesNotDelayTheDeadline() {
    probe.hang();
    ReadinessWait.Waiting w = wait.start(BASE, Duration.ofSeconds(2), exited);
    scheduler.advance(Duration.ofSeconds(2));

    ReadinessResult.TimedOut out =
        assertInstanceOf(ReadinessResult.TimedOut.class, w.result().join());
    assertEquals("/health should return HTTP 200 within PT2S; last: no answer yet", out.message());
    assertEquals(Optional.empty(), out.lastStatus());
    assertEquals(1, probe.calls().size(), "no second probe while the first is in flight");
    probe.inFlight().get(0).complete(ProbeResult.ready()); // too late: ignored
    assertInstanceOf(ReadinessResult.TimedOut.class, w.result().join());
  }

  @Test
  void probeTimeoutNeverReachesPastTheDeadline() {
    wait.start(BASE, Duration.ofMillis(1200), exited);
    scheduler.advance(Duration.ofSeconds(2));

    List<Duration> timeouts = probe.calls().stream().map(FakeHealthProbe.Call::timeout).toList();
    assertEquals(Duration.ofSeconds(1), timeouts.get(0));
    assertEquals(List.of(0L, 50L, 125L, 237L, 405L, 657L, 1035L), callOffsets());
    assertEquals(Duration.ofMillis(1200 - 1035), timeouts.get(timeouts.size() - 1));
  }

  @Test
  void exitDuringStartupEndsTheWaitAtOnceWithoutFurtherProbes() {
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    scheduler.advance(Duration.ofMillis(100));
    assertEquals(2, probe.calls().size());

    exited.complete("exit code 1");

    assertTrue(w.result().isDone(), "no scheduler step needed");
    ReadinessResult.Exited ex = assertInstanceOf(ReadinessResult.Exited.class, w.result().join());
    assertEquals("exit code 1", ex.exitInfo());
    assertEquals(Duration.ofMillis(100), ex.elapsed());
    assertEquals(ProbeReason.EXITED, ex.reason());
    assertEquals("process exited while starting after PT0.1S: exit code 1", ex.message());
    assertEquals(0, scheduler.pending());
    scheduler.advance(Duration.ofSeconds(60));
    assertEquals(2, probe.calls().size());
  }

  @Test
  void exitWhileAProbeIsInFlightWinsOverItsLateAnswer() {
    probe.hang();
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    exited.complete("signal 9");
    probe.inFlight().get(0).complete(ProbeResult.ready());

    assertEquals("signal 9", ((ReadinessResult.Exited) w.result().join()).exitInfo());
    scheduler.advance(Duration.ofSeconds(60));
    assertEquals(1, probe.calls().size());
  }

  @Test
  void alreadyExitedProcessIsNeverProbed() {
    exited.complete("exit code 1");
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);

    assertInstanceOf(ReadinessResult.Exited.class, w.result().join());
    assertEquals(0, probe.calls().size());
    assertEquals(0, scheduler.pending());
  }

  @Test
  void exitSignalFailingCountsAsExitWithTheCause() {
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    IllegalStateException cause = new IllegalStateException("lost track of the process");
    exited.completeExceptionally(cause);

    assertSame(cause, ((ReadinessResult.Exited) w.result().join()).exitInfo());
  }

  /** Regression: a pass that saw a failed exit signal before its callback ran threw instead. */
  @Test
  void aFailedExitSignalSeenByAPassIsAnExitToo() {
    IllegalStateException cause = new IllegalStateException("lost track of the process");
    CompletableFuture<String> failedSilently = exitSeenOnlyByPasses();
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, failedSilently);
    failedSilently.completeExceptionally(cause);
    scheduler.advance(Duration.ofMillis(50));

    assertTrue(w.result().isDone());
    assertSame(cause, ((ReadinessResult.Exited) w.result().getNow(null)).exitInfo());
    assertEquals(1, probe.calls().size(), "the pass at 50 ms ended the wait without probing");
  }

  @Test
  void aReadyAnswerArrivingAfterTheExitSignalDoesNotCountAsReady() {
    probe.hang();
    CompletableFuture<String> exit = exitSeenOnlyByPasses();
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exit);
    exit.complete("exit code 1");
    probe.inFlight().get(0).complete(ProbeResult.ready());

    assertEquals("exit code 1", ((ReadinessResult.Exited) w.result().join()).exitInfo());
  }

  @Test
  void cancelEndsTheWaitAndStopsPolling() {
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    scheduler.advance(Duration.ofMillis(60));
    w.cancel();
    w.cancel();

    ReadinessResult.Cancelled c =
        assertInstanceOf(ReadinessResult.Cancelled.class, w.result().join());
    assertEquals(Duration.ofMillis(60), c.elapsed());
    assertEquals(ProbeReason.CANCELLED, c.reason());
    assertEquals(0, scheduler.pending());
    scheduler.advance(Duration.ofSeconds(60));
    assertEquals(2, probe.calls().size());
  }

  @Test
  void cancellingTheResultFutureAlsoStopsPolling() {
    ReadinessWait.Waiting w = wait.start(BASE, STARTUP, exited);
    w.result().cancel(true);

    assertEquals(0, scheduler.pending());
    scheduler.advance(Duration.ofSeconds(60));
    assertEquals(1, probe.calls().size());
  }

  @Test
  void aBrokenProbeIsReportedAndPollingGoesOn() {
    HealthProbe broken =
        (base, timeout) -> CompletableFuture.failedFuture(new IllegalStateException("boom"));
    ReadinessWait.Waiting w =
        new ReadinessWait(broken, clock, scheduler).start(BASE, Duration.ofSeconds(1), exited);
    scheduler.advance(Duration.ofSeconds(1));

    ReadinessResult.TimedOut out = (ReadinessResult.TimedOut) w.result().join();
    assertEquals(6, w.probes()); // at 0, 50, 125, 237, 405, 657 ms; 1035 ms is past the deadline
    assertEquals(ProbeReason.PROBE_ERROR, out.lastStatus().orElseThrow().reason());
    assertTrue(out.message().endsWith("; last: probe error: boom"), out.message());
  }

  @Test
  void aSlowProbeIsFollowedAtOnceAndTheCadenceResumesFromThere() {
    probe.timeOut();
    wait.start(BASE, STARTUP, exited);
    scheduler.advance(Duration.ofMillis(1200));

    // the first probe answers only at its 1 s timeout; the next one (due at 50 ms) starts at once
    assertEquals(List.of(0L, 1000L, 1075L, 1187L), callOffsets());
  }

  /**
   * An exit signal whose completion callbacks never run, so that only the wait's own checks can see
   * it: this stands for the window between completion and callback on another thread.
   */
  private static CompletableFuture<String> exitSeenOnlyByPasses() {
    return new CompletableFuture<>() {
      @Override
      public CompletableFuture<String> whenComplete(
          BiConsumer<? super String, ? super Throwable> action) {
        return new CompletableFuture<>();
      }
    };
  }

  private List<Long> callOffsets() {
    return probe.callTimes().stream().map(t -> Duration.between(t0, t).toMillis()).toList();
  }
}
