package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.memory.MeasuredFootprint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /**
   * Why the model's next generation starts (and why the ones it replaces drain): the last change
   * (file, plan, binary, operator, demand) or, once a failure schedules a restart, that failure.
   */
  ReasonCode changeReason = ReasonCode.MODEL_ADDED;

  Decision lastDecision;
  String lastExit;
  Rollout rollout;

  /**
   * Why nothing should serve now although the model is accepted: {@link ReasonCode#ON_DEMAND} (not
   * wanted yet) or {@link ReasonCode#IDLE_TTL} (stopped by its ttl); null when it should run. A
   * demand clears it.
   */
  ReasonCode idleReason;

  /**
   * Safe-mode level ({@link SafeMode}) for starts of plan {@link #safeHash}: raised after a crash
   * while loading, kept while the plan stays the same.
   */
  int safeLevel;

  String safeHash;

  /** Set while the serving instances run in safe mode: what to configure to keep it. */
  String safeModeWarning;

  /**
   * The buffers llama-server logged at the model's last load ({@code -lv 4}) and the plan hash it
   * was started with; null before the first measured load.
   */
  private MeasuredFootprint measured;

  private String measuredPlanHash;

  /** Replicas whose launcher start is in progress (off the state thread), by their generation. */
  final Map<Integer, Integer> spawning = new HashMap<>();

  /** The last demand (a request wanted the model); the ttl counts from it at the earliest. */
  Instant demandedAt;

  /** Generation and plan hash of the replicas started last; replicas started together share it. */
  private int waveGeneration;

  private String waveHash;
  private final Map<Integer, Integer> lastGenerationOf = new HashMap<>();

  /**
   * The file was replaced by one that failed verification while an older generation serves: the
   * serving generation keeps running, but nothing new is started from the rejected file.
   */
  CatalogEntry rejectedReplacement;

  /**
   * What its start waits for in the memory budget (state {@code waiting}, reason {@link
   * ReasonCode#NO_MEMORY}); null when it does not wait.
   */
  String memoryWait;

  /** When the current wait for memory began. */
  Instant memoryWaitSince;

  /** Why its footprint can never fit the budget (state {@code rejected}); null when it fits. */
  String doesNotFit;

  /**
   * A request or an operator wants the model to run: its start may evict other models and waits for
   * memory. A start nobody asked for (at boot, after a failure) never evicts.
   */
  boolean memoryWanted;

  /** Models were evicted for its start: the device readings may still have to show the memory. */
  boolean awaitsFreedMemory;

  /** When the budget first had room after an eviction (the readings get a few seconds). */
  Instant freedAt;

  /** Its last start failed for lack of memory and is retried once after one more eviction. */
  boolean oomRetried;

  ModelRuntime(String id, RestartTracker tracker) {
    this.id = id;
    this.tracker = tracker;
  }

  Optional<InstanceRuntime> instance(int generation, int replica) {
    return instances.stream()
        .filter(i -> i.generation == generation && i.replica == replica)
        .findFirst();
  }

  boolean has(InstanceState state) {
    return instances.stream().anyMatch(i -> i.state == state);
  }

  /** Whether an instance is loading or being spawned. */
  boolean starting() {
    return !spawning.isEmpty() || has(InstanceState.STARTING);
  }

  /** Whether an instance of {@code replica} is in {@code state}. */
  boolean has(int replica, InstanceState state) {
    return instances.stream().anyMatch(i -> i.replica == replica && i.state == state);
  }

  /**
   * The generation for a new instance of {@code replica} running {@code desiredHash}: the
   * generation other replicas got for the same hash when this replica has not used it yet (so
   * replicas started together share it), else a new one. Each {@code (generation, replica)} is used
   * once.
   */
  int generationFor(int replica, String desiredHash) {
    int last = lastGenerationOf.getOrDefault(replica, 0);
    int g;
    if (desiredHash.equals(waveHash) && waveGeneration > last) {
      g = waveGeneration;
    } else {
      g = Math.max(nextGeneration, last + 1);
      nextGeneration = g + 1;
      waveGeneration = g;
      waveHash = desiredHash;
    }
    lastGenerationOf.put(replica, g);
    return g;
  }

  /** Records a generation used by {@code replica} elsewhere (an adopted or recorded instance). */
  void usedGeneration(int replica, int generation) {
    nextGeneration = Math.max(nextGeneration, generation + 1);
    lastGenerationOf.merge(replica, generation, Math::max);
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
    List<Reconciler.Instance> all = new ArrayList<>();
    for (InstanceRuntime i : instances) {
      all.add(new Reconciler.Instance(i.generation, i.replica, i.state, i.desiredHash));
    }
    // a spawn in progress is a start: it holds a start slot and its replica waits for it
    spawning.forEach(
        (replica, generation) ->
            all.add(new Reconciler.Instance(generation, replica, InstanceState.STARTING, "")));
    return new Reconciler.Actual(id, all, operatorStopped, tracker.gaveUp(), tracker.nextAttempt());
  }

  /**
   * What the model's last load really allocated, per device and kind (the buffer sizes llama-server
   * logged at verbosity 4); empty before a load was measured. The plan may have changed since: see
   * {@link #measuredFor(String)}.
   */
  Optional<MeasuredFootprint> measured() {
    return Optional.ofNullable(measured);
  }

  /**
   * {@link #measured()} when the load it comes from ran the plan with {@link
   * io.llamasupervisor.supervisor.launch.LaunchPlan#planHash()} {@code planHash}.
   */
  Optional<MeasuredFootprint> measuredFor(String planHash) {
    return planHash != null && planHash.equals(measuredPlanHash) ? measured() : Optional.empty();
  }

  /** Records the footprint of a load of the plan with hash {@code planHash}. */
  void measured(MeasuredFootprint footprint, String planHash) {
    this.measured = java.util.Objects.requireNonNull(footprint, "footprint");
    this.measuredPlanHash = planHash;
  }

  String alias() {
    return entry == null ? null : entry.alias();
  }
}
