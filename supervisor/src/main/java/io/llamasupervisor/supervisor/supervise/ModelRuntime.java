package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Everything the supervisor tracks for one model. State thread only. */
final class ModelRuntime {
  final String id;
  final RestartTracker tracker;
  final List<InstanceRuntime> instances = new ArrayList<>();
  CatalogEntry entry;
  boolean operatorStopped;
  int nextGeneration = 1;
  int restartNonce;
  int restarts;
  ReasonCode changeReason = ReasonCode.MODEL_ADDED;
  Decision lastDecision;
  String lastExit;
  Rollout rollout;

  /**
   * The file was replaced by one that failed verification while an older generation serves: the
   * serving generation keeps running, but nothing new is started from the rejected file.
   */
  CatalogEntry rejectedReplacement;

  ModelRuntime(String id, RestartTracker tracker) {
    this.id = id;
    this.tracker = tracker;
  }

  Optional<InstanceRuntime> instance(int generation) {
    return instances.stream().filter(i -> i.generation == generation).findFirst();
  }

  boolean has(InstanceState state) {
    return instances.stream().anyMatch(i -> i.state == state);
  }

  /**
   * No new generation may start now: the file on disk was rejected, or a stop-then-start swap is
   * still waiting for the old generation to exit (two copies must not overlap).
   */
  boolean startBlocked() {
    return rejectedReplacement != null
        || (rollout != null
            && rollout.phase().equals("stop-then-start")
            && has(InstanceState.STOPPING));
  }

  /** What the {@link Reconciler} sees of this model. */
  Reconciler.Actual actual() {
    return new Reconciler.Actual(
        id,
        instances.stream()
            .map(i -> new Reconciler.Instance(i.generation, i.state, i.desiredHash))
            .toList(),
        operatorStopped,
        tracker.gaveUp(),
        tracker.nextAttempt());
  }

  String alias() {
    return entry == null ? null : entry.alias();
  }
}
