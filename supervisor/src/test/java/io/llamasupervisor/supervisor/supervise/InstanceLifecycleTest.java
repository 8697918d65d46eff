package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.health.ProbeResult;
import io.llamasupervisor.process.ExitStatus;
import io.llamasupervisor.registry.BackendState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Readiness, exits and liveness of instances, on manual time. */
class InstanceLifecycleTest extends ManualFleet.OneModel {
  @Test
  void anInstanceIsReadyAtTheFirstHealthyProbeAndPublishedThen() throws Exception {
    f.health.otherwise(ProbeResult.loading());
    f.start();
    assertEquals("starting", f.status(ID).state());
    f.advance(Duration.ofSeconds(3));
    assertEquals("starting", f.status(ID).state(), "still loading");
    assertTrue(f.routes.current().model(ID).orElseThrow().readyBackends().isEmpty());
    f.health.otherwise(ProbeResult.ready());
    f.advance(Duration.ofMillis(500)); // the poll interval has grown, but not beyond 500 ms
    ModelStatus s = f.status(ID);
    assertEquals("ready", s.state(), s.toString());
    assertEquals(
        BackendState.READY, f.routes.current().model(ID).orElseThrow().backends().get(0).state());
  }

  /**
   * Regression: a tiny model's llama-server listens 15-30 ms after its start, but the probe after
   * the first came 50 ms after the start, so an on-demand start through the gateway waited about 35
   * ms longer than the load took ({@code bench/on-demand-bench.sh}). It is seen within 10 ms now.
   */
  @Test
  void aModelReadyWithinTheFirst50MillisecondsIsSeenReadyWithin10() throws Exception {
    f.health.otherwise(ProbeResult.loading());
    f.start();
    Instant spawned = f.status(ID).instances().get(0).startedAt();
    f.advance(Duration.ofMillis(15));
    assertEquals("starting", f.status(ID).state(), "the probe at 10 ms found it loading");
    f.health.otherwise(ProbeResult.ready()); // listening from 15 ms on
    f.advance(Duration.ofMillis(5));
    ModelStatus s = f.status(ID);
    assertEquals("ready", s.state(), s.toString());
    assertEquals(Duration.ofMillis(20), Duration.between(spawned, s.instances().get(0).since()));
    assertEquals(
        List.of(0L, 10L, 20L),
        f.health.callTimes().stream().map(t -> Duration.between(spawned, t).toMillis()).toList());
  }

  @Test
  void aMissedStartupDeadlineStopsTheInstanceAndRestartsAfterTheBackoff() throws Exception {
    f.health.otherwise(ProbeResult.loading());
    f.start("supervisor.supervision.startup-timeout=5s");
    FakeProcesses.FakeProcess first = f.processes.last(ID);
    f.advance(Duration.ofMillis(4900));
    assertEquals("starting", f.status(ID).state(), "the deadline has not passed");
    f.advance(Duration.ofMillis(600));
    ModelStatus s = f.status(ID);
    assertEquals(ReasonCode.HEALTH_TIMEOUT, s.lastDecision().code(), s.toString());
    assertEquals(1, first.stops.size(), "stopped at the deadline");
    assertTrue(s.lastDecision().message().contains("restart 1 in 1000 ms"), s.toString());
    java.time.Instant retry = s.lastDecision().at().plusSeconds(1);
    f.advance(Duration.between(f.clock.instant(), retry).minusMillis(1));
    assertEquals(1, f.processes.started.size(), "not before the backoff");
    f.health.otherwise(ProbeResult.ready());
    f.advance(Duration.ofMillis(1));
    assertEquals(2, f.processes.started.size(), "restarted once the backoff passed");
  }

  @Test
  void anExitWhileLoadingIsAFailureWithItsCodeAndTheNextStartWaitsForTheBackoff() throws Exception {
    f.health.otherwise(ProbeResult.loading());
    f.start();
    FakeProcesses.FakeProcess p = f.processes.last(ID);
    p.lines.add("llama_model_load: something went wrong");
    f.advance(Duration.ofMillis(100));
    p.exit(ExitStatus.exited(3));
    f.settle();
    ModelStatus s = f.status(ID);
    assertEquals(ReasonCode.EXITED, s.lastDecision().code(), s.toString());
    assertTrue(s.lastDecision().message().startsWith("EXITED(3)"), s.toString());
    assertEquals("backoff", s.state());
    f.advance(Duration.ofMillis(999));
    assertEquals(1, f.processes.started.size());
    f.advance(Duration.ofMillis(1));
    assertEquals(2, f.processes.started.size());
  }

  @Test
  void missedLivenessProbesMakeTheInstanceUnhealthyAndItIsReplaced() throws Exception {
    f.start();
    f.settle();
    assertEquals("ready", f.status(ID).state());
    FakeProcesses.FakeProcess first = f.processes.last(ID);
    f.health.otherwiseTimeOut();
    // liveness: a probe every 5 s (from the start of the previous one), 2 s timeout, 3 misses
    f.advance(Duration.ofSeconds(14));
    assertEquals("ready", f.status(ID).state(), "two misses are not enough");
    f.advance(Duration.ofSeconds(4));
    assertFalse(first.isAlive(), "the third miss made it unhealthy and it was stopped");
    ModelStatus s = f.status(ID);
    assertEquals(ReasonCode.UNHEALTHY, s.lastDecision().code(), s.toString());
    f.health.otherwise(ProbeResult.ready());
    f.advance(Duration.ofSeconds(2)); // the restart backoff, then readiness
    assertEquals(2, f.processes.started.size());
    assertEquals("ready", f.status(ID).state(), f.status(ID).toString());
  }

  /**
   * Regression: the generation started after a crash carried the reason of the model's last,
   * unrelated change (an operator restart long before: {@code new -> starting
   * reason=OPERATOR_RESTART}) instead of the failure it restarts after.
   */
  @Test
  void theStartAfterACrashCarriesTheCrashReasonNotAnEarlierOperatorRestart() throws Exception {
    f.start();
    f.settle();
    f.fleet.operatorRestart(ID);
    f.settle();
    f.advance(Duration.ofSeconds(3)); // generation 1 drained and stopped
    assertEquals(2, f.status(ID).instances().get(0).generation(), f.status(ID).toString());
    List<FleetEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    f.fleet.subscribe(events::add);

    f.processes.last(ID).exit(ExitStatus.killed(9));
    f.advance(Duration.ofSeconds(1)); // the restart backoff

    FleetEvent started =
        events.stream()
            .filter(e -> e.generation() == 3 && "starting".equals(e.to()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no restart: " + events));
    assertEquals(ReasonCode.KILLED, started.reason(), started.toString());
  }
}
