package io.llamasupervisor.supervisor.supervise;

/** What the reconciler asks for. Executing an action is the supervisor's job, not the planner's. */
public sealed interface Action {
  String model();

  /** Start a new generation of a model that has no serving instance. */
  record Start(String model, ReasonCode reason) implements Action {}

  /**
   * Start a new generation next to the serving one; once it is ready the old one is drained and
   * stopped (blue-green).
   */
  record Replace(String model, int oldGeneration, ReasonCode reason) implements Action {}

  /** Stop one instance (SIGTERM to its group, SIGKILL after the grace period). */
  record Stop(String model, int generation, ReasonCode reason) implements Action {}
}
