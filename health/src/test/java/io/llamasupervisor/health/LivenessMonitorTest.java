package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.health.testing.FakeHealthProbe;
import io.llamasupervisor.testing.ManualScheduler;
import io.llamasupervisor.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Liveness with a fake clock, scheduler and probes: exact cadence, miss counting, one event. */
class LivenessMonitorTest {
  private static final URI BASE = URI.create("http://127.0.0.1:18101");
  private static final ProbeResult REFUSED = ProbeResult.refused();

  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final Instant t0 = clock.instant();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final FakeHealthProbe health = new FakeHealthProbe(clock, scheduler, ProbeResult.ready());
  private final FakeHealthProbe canary =
      new FakeHealthProbe(
          clock, scheduler, ProbeResult.passed(200, "POST /completion returned 200"));
  private final List<UnhealthyEvent> events = new ArrayList<>();

  private LivenessMonitor monitor(LivenessPolicy policy) {
    return new LivenessMonitor(BASE, policy, health, canary, clock, scheduler);
  }

  @Test
  void probesEveryIntervalWithTheTimeout() {
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT);
    m.start(events::add);
    scheduler.advance(Duration.ofSeconds(21));

    assertEquals(List.of(5L, 10L, 15L, 20L), secondsOf(health.callTimes()));
    health.calls().forEach(c -> assertEquals(Duration.ofSeconds(2), c.timeout()));
    assertEquals(LivenessMonitor.State.RUNNING, m.state());
    assertEquals(0, m.consecutiveMisses());
    assertTrue(events.isEmpty());
    assertTrue(canary.calls().isEmpty(), "canary is off by default");
  }

  @Test
  void aSuccessResetsTheMissCount() {
    health.answer(REFUSED, REFUSED, ProbeResult.ready(), REFUSED, REFUSED, ProbeResult.ready());
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT);
    m.start(events::add);

    scheduler.advance(Duration.ofSeconds(10));
    assertEquals(2, m.consecutiveMisses());
    scheduler.advance(Duration.ofSeconds(5));
    assertEquals(0, m.consecutiveMisses());
    scheduler.advance(Duration.ofSeconds(15));

    assertEquals(0, m.consecutiveMisses());
    assertTrue(events.isEmpty(), "never three misses in a row");
    assertEquals(LivenessMonitor.State.RUNNING, m.state());
  }

  @Test
  void thresholdMissesEmitExactlyOneUnhealthyEventAndStopProbing() {
    health.otherwise(REFUSED);
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT);
    m.start(events::add);
    scheduler.advance(Duration.ofMinutes(5));

    assertEquals(1, events.size());
    UnhealthyEvent e = events.get(0);
    assertEquals(ProbeReason.UNHEALTHY, e.reason());
    assertEquals(
        "UNHEALTHY: 3 consecutive /health misses: connection refused; connection refused;"
            + " connection refused",
        e.message());
    assertEquals(List.of(REFUSED, REFUSED, REFUSED), e.failures());
    assertEquals(t0.plusSeconds(15), e.at());
    assertEquals(3, health.calls().size(), "no probe after the event");
    assertEquals(LivenessMonitor.State.UNHEALTHY, m.state());
    assertEquals(0, scheduler.pending());
  }

  @Test
  void aHungServerCountsAsMissesViaTheTimeout() {
    health.otherwiseTimeOut();
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT);
    m.start(events::add);
    scheduler.advance(Duration.ofSeconds(16));
    assertEquals(2, m.consecutiveMisses());
    assertTrue(events.isEmpty());
    scheduler.advance(Duration.ofSeconds(1));

    // probes at 5, 10, 15 s each time out after 2 s; the third miss is known at 17 s
    assertEquals(List.of(5L, 10L, 15L), secondsOf(health.callTimes()));
    assertEquals(1, events.size());
    assertEquals(t0.plusSeconds(17), events.get(0).at());
    assertEquals(
        "UNHEALTHY: 3 consecutive /health misses: no answer within PT2S; no answer within PT2S;"
            + " no answer within PT2S",
        events.get(0).message());
  }

  @Test
  void onlyTheLastThresholdFailuresAreReported() {
    health.answer(ProbeResult.loading(), REFUSED, ProbeResult.ready(), REFUSED);
    health.otherwise(ProbeResult.unexpectedStatus(500, "boom"));
    monitor(LivenessPolicy.DEFAULT).start(events::add);
    scheduler.advance(Duration.ofMinutes(1));

    assertEquals(
        List.of(
            REFUSED,
            ProbeResult.unexpectedStatus(500, "boom"),
            ProbeResult.unexpectedStatus(500, "boom")),
        events.get(0).failures());
  }

  @Test
  void aSlowProbeDelaysTheNextOneWithoutOverlap() {
    health.hang();
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT);
    m.start(events::add);
    scheduler.advance(Duration.ofSeconds(12)); // the probe at 5 s has not answered by 12 s
    assertEquals(1, health.calls().size());

    health.inFlight().get(0).complete(ProbeResult.ready());
    scheduler.runDue(); // next one is overdue: runs at once
    scheduler.advance(Duration.ofSeconds(5));

    assertEquals(List.of(5L, 12L, 17L), secondsOf(health.callTimes()));
  }

  @Test
  void stopIsIdempotentCancelsTimersAndIgnoresLateAnswers() {
    health.hang();
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT.withCanary(Duration.ofMinutes(1)));
    m.start(events::add);
    scheduler.advance(Duration.ofSeconds(6));

    m.stop();
    m.stop();
    health.inFlight().get(0).complete(REFUSED);
    scheduler.advance(Duration.ofHours(1));

    assertEquals(LivenessMonitor.State.STOPPED, m.state());
    assertEquals(0, scheduler.pending());
    assertEquals(1, health.calls().size());
    assertTrue(canary.calls().isEmpty());
    assertTrue(events.isEmpty());
    assertTrue(m.lastResult().isEmpty(), "the late answer was ignored");
  }

  @Test
  void stopAfterUnhealthyAndRestartRules() {
    health.otherwise(REFUSED);
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT);
    m.start(events::add);
    assertThrows(IllegalStateException.class, () -> m.start(events::add));
    scheduler.advance(Duration.ofSeconds(15));
    assertEquals(LivenessMonitor.State.UNHEALTHY, m.state());
    m.stop();
    assertEquals(LivenessMonitor.State.STOPPED, m.state());
    assertThrows(IllegalStateException.class, () -> m.start(events::add));
  }

  @Test
  void canaryRunsOnItsOwnCadenceAndOneFailureIsUnhealthy() {
    canary.answer(ProbeResult.passed(200, "POST /completion returned 200"));
    canary.otherwise(
        new ProbeResult(
            HealthStatus.FAILED,
            ProbeReason.UNEXPECTED_STATUS,
            500,
            "POST /completion returned 500"));
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT.withCanary(Duration.ofMinutes(1)));
    m.start(events::add);
    scheduler.advance(Duration.ofMinutes(5));

    assertEquals(List.of(60L, 120L), secondsOf(canary.callTimes()));
    canary.calls().forEach(c -> assertEquals(Duration.ofSeconds(30), c.timeout()));
    assertEquals(1, events.size());
    UnhealthyEvent e = events.get(0);
    assertEquals(ProbeReason.CANARY_FAILED, e.reason());
    assertEquals("CANARY_FAILED: POST /completion returned 500", e.message());
    assertEquals(t0.plusSeconds(120), e.at());
    // /health at 5..115 s; at 120 s the canary (scheduled earlier) fails first and stops monitoring
    assertEquals(23, health.calls().size());
    assertEquals(LivenessMonitor.State.UNHEALTHY, m.state());
    assertEquals(0, scheduler.pending());
  }

  @Test
  void aThrowingListenerDoesNotBreakTheMonitor() {
    health.otherwise(REFUSED);
    LivenessMonitor m = monitor(LivenessPolicy.DEFAULT);
    m.start(
        e -> {
          events.add(e);
          throw new IllegalStateException("listener bug");
        });
    scheduler.advance(Duration.ofMinutes(1));
    assertEquals(1, events.size());
    assertEquals(LivenessMonitor.State.UNHEALTHY, m.state());
  }

  @Test
  void policyChecksItsArguments() {
    Duration s = Duration.ofSeconds(1);
    assertThrows(
        IllegalArgumentException.class,
        () -> new LivenessPolicy(s, s.multipliedBy(2), 3, Duration.ZERO, s));
    assertThrows(
        IllegalArgumentException.class, () -> new LivenessPolicy(s, s, 0, Duration.ZERO, s));
    assertThrows(IllegalArgumentException.class, () -> new LivenessPolicy(s, s, 1, s.negated(), s));
    assertThrows(
        IllegalArgumentException.class,
        () -> LivenessPolicy.DEFAULT.withCanary(Duration.ofSeconds(10)),
        "timeout above interval");
    assertFalse(LivenessPolicy.DEFAULT.canaryEnabled());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new LivenessMonitor(
                BASE,
                LivenessPolicy.DEFAULT.withCanary(Duration.ofMinutes(1)),
                health,
                clock,
                scheduler));
  }

  private List<Long> secondsOf(List<Instant> times) {
    return times.stream().map(t -> Duration.between(t0, t).toSeconds()).toList();
  }
}
