package io.llamasupervisor.supervisor.supervise;

/**
 * What the reconciler asks for. Executing an action is the supervisor's job, not the planner's.
 * {@code replica} is the index of the instance slot of a model with several replicas (0 for a model
 * with one instance).
 */
public sealed interface Action {
  String model();

  /** Start a new generation of a replica that has no serving instance. */
  record Start(String model, int replica, ReasonCode reason) implements Action {
    /** A start of replica 0. */
    public Start(String model, ReasonCode reason) {
      this(model, 0, reason);
    }
  }

  /**
   * Start a new generation of a replica next to its serving one; once it is ready the old one is
   * drained and stopped (blue-green).
   */
  record Replace(String model, int replica, int oldGeneration, ReasonCode reason)
      implements Action {
    /** A replacement of replica 0. */
    public Replace(String model, int oldGeneration, ReasonCode reason) {
      this(model, 0, oldGeneration, reason);
    }
  }

  /** Stop one instance (SIGTERM to its group, SIGKILL after the grace period). */
  record Stop(String model, int generation, int replica, ReasonCode reason) implements Action {
    /** A stop of replica 0. */
    public Stop(String model, int generation, ReasonCode reason) {
      this(model, generation, 0, reason);
    }
  }
}
