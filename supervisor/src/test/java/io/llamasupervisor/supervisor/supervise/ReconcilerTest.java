package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasupervisor.supervisor.supervise.Reconciler.Actual;
import io.llamasupervisor.supervisor.supervise.Reconciler.Desired;
import io.llamasupervisor.supervisor.supervise.Reconciler.Instance;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final Reconciler reconciler = new Reconciler(2);

  private static Desired desired(String id) {
    return new Desired(id, "h1", ReasonCode.MODEL_ADDED);
  }

  private static Actual running(String id, InstanceState state, String hash) {
    return actual(id, new Instance(1, state, hash));
  }

  /** Model {@code id} with {@code instances}, neither stopped nor given up, no backoff. */
  private static Actual actual(String id, Instance... instances) {
    return new Actual(id, List.of(instances), false, false, Instant.MIN);
  }

  @Test
  void startsNewModelsUpToTheConcurrencyLimitInIdOrder() {
    var desired = Map.of("c", desired("c"), "a", desired("a"), "b", desired("b"));
    List<Action> actions = reconciler.plan(desired, Map.of(), NOW);
    assertEquals(
        List.of(
            new Action.Start("a", ReasonCode.MODEL_ADDED),
            new Action.Start("b", ReasonCode.MODEL_ADDED)),
        actions);
  }

  @Test
  void startingInstancesUseTheBudget() {
    var desired = Map.of("a", desired("a"), "b", desired("b"), "c", desired("c"));
    var actual = Map.of("a", running("a", InstanceState.STARTING, "h1"));
    assertEquals(
        List.of(new Action.Start("b", ReasonCode.MODEL_ADDED)),
        reconciler.plan(desired, actual, NOW));
  }

  @Test
  void idempotentWhenEverythingRuns() {
    var desired = Map.of("a", desired("a"));
    var actual = Map.of("a", running("a", InstanceState.READY, "h1"));
    assertEquals(List.of(), reconciler.plan(desired, actual, NOW));
  }

  @Test
  void removedModelIsStopped() {
    var actual = Map.of("a", running("a", InstanceState.READY, "h1"));
    assertEquals(
        List.of(new Action.Stop("a", 1, ReasonCode.FILE_REMOVED)),
        reconciler.plan(Map.of(), actual, NOW));
  }

  @Test
  void stoppingInstanceIsNotStoppedTwice() {
    var actual = Map.of("a", running("a", InstanceState.STOPPING, "h1"));
    assertEquals(List.of(), reconciler.plan(Map.of(), actual, NOW));
  }

  @Test
  void changedPlanIsReplaced() {
    var desired = Map.of("a", new Desired("a", "h2", ReasonCode.FILE_CHANGED));
    var actual = Map.of("a", running("a", InstanceState.READY, "h1"));
    assertEquals(
        List.of(new Action.Replace("a", 1, ReasonCode.FILE_CHANGED)),
        reconciler.plan(desired, actual, NOW));
  }

  @Test
  void backoffDelaysTheNextStart() {
    var desired = Map.of("a", desired("a"));
    var backingOff = Map.of("a", new Actual("a", List.of(), false, false, NOW.plusSeconds(2)));
    assertEquals(List.of(), reconciler.plan(desired, backingOff, NOW));
    assertEquals(1, reconciler.plan(desired, backingOff, NOW.plusSeconds(2)).size());
  }

  @Test
  void gaveUpAndOperatorStoppedModelsAreNotStarted() {
    var desired = Map.of("a", desired("a"), "b", desired("b"));
    var actual =
        Map.of(
            "a", new Actual("a", List.of(), false, true, Instant.MAX),
            "b",
                new Actual(
                    "b",
                    List.of(new Instance(3, InstanceState.READY, "h1")),
                    true,
                    false,
                    Instant.MIN));
    assertEquals(
        List.of(new Action.Stop("b", 3, ReasonCode.OPERATOR_STOP)),
        reconciler.plan(desired, actual, NOW));
  }

  @Test
  void unhealthyInstanceIsStoppedAndAStartFollows() {
    var desired = Map.of("a", desired("a"));
    var actual = Map.of("a", running("a", InstanceState.UNHEALTHY, "h1"));
    assertEquals(
        List.of(
            new Action.Stop("a", 1, ReasonCode.UNHEALTHY),
            new Action.Start("a", ReasonCode.MODEL_ADDED)),
        reconciler.plan(desired, actual, NOW));
  }

  @Test
  void rejectsAZeroLimit() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new Reconciler(0));
  }

  private static Desired replicas(String id, int n) {
    return new Desired(id, "h1", ReasonCode.MODEL_ADDED, n, false, false, false);
  }

  @Test
  void eachReplicaIsStartedOnItsOwnWithinTheBudget() {
    var desired = Map.of("a", replicas("a", 3));
    assertEquals(
        List.of(
            new Action.Start("a", 0, ReasonCode.MODEL_ADDED),
            new Action.Start("a", 1, ReasonCode.MODEL_ADDED)),
        reconciler.plan(desired, Map.of(), NOW));
    var oneStarting =
        Map.of(
            "a",
            actual(
                "a",
                new Instance(1, 0, InstanceState.READY, "h1"),
                new Instance(1, 1, InstanceState.STARTING, "h1")));
    assertEquals(
        List.of(new Action.Start("a", 2, ReasonCode.MODEL_ADDED)),
        reconciler.plan(desired, oneStarting, NOW));
  }

  @Test
  void aChangedPlanReplacesEveryReplicaAndFewerReplicasStopTheExtraOnes() {
    var actual =
        Map.of(
            "a",
            actual(
                "a",
                new Instance(1, 0, InstanceState.READY, "h1"),
                new Instance(1, 1, InstanceState.READY, "h1")));
    var changed =
        Map.of("a", new Desired("a", "h2", ReasonCode.PLAN_CHANGED, 2, false, false, false));
    assertEquals(
        List.of(
            new Action.Replace("a", 0, 1, ReasonCode.PLAN_CHANGED),
            new Action.Replace("a", 1, 1, ReasonCode.PLAN_CHANGED)),
        reconciler.plan(changed, actual, NOW));
    assertEquals(
        List.of(new Action.Stop("a", 1, 1, ReasonCode.PLAN_CHANGED)),
        reconciler.plan(Map.of("a", replicas("a", 1)), actual, NOW));
  }

  @Test
  void anIdleModelIsNotStartedAndItsServingInstancesStopButDrainingOnesFinish() {
    var idle = Map.of("a", new Desired("a", "h1", ReasonCode.IDLE_TTL, 1, true, false, false));
    assertEquals(List.of(), reconciler.plan(idle, Map.of(), NOW));
    var actual =
        Map.of(
            "a",
            actual(
                "a",
                new Instance(1, 0, InstanceState.DRAINING, "h1"),
                new Instance(2, 0, InstanceState.STARTING, "h1")));
    assertEquals(
        List.of(new Action.Stop("a", 2, 0, ReasonCode.IDLE_TTL)),
        reconciler.plan(idle, actual, NOW));
  }

  @Test
  void aBlockedStartTakesNoStartSlot() {
    var desired =
        Map.of(
            "a", new Desired("a", "h1", ReasonCode.MODEL_ADDED, 1, false, true, false),
            "b", desired("b"),
            "c", desired("c"));
    assertEquals(
        List.of(
            new Action.Start("b", ReasonCode.MODEL_ADDED),
            new Action.Start("c", ReasonCode.MODEL_ADDED)),
        reconciler.plan(desired, Map.of(), NOW));
  }

  @Test
  void aModelAwaitingAdoptionIsLeftAlone() {
    var desired = Map.of("a", new Desired("a", "", ReasonCode.MODEL_ADDED, 1, false, false, true));
    assertEquals(List.of(), reconciler.plan(desired, Map.of(), NOW));
  }
}
