package io.llamasupervisor.supervisor.supervise;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The pure decision of what to start and stop: {@code plan(desired, actual) -> actions}.
 * Idempotent: planning again against the state the actions produce yields nothing new. No clocks,
 * threads or I/O; time comes in as {@code now}, and every fact the decision needs comes in with
 * {@link Desired} and {@link Actual}.
 */
public final class Reconciler {
  /**
   * A model that should run: it passed verification and has a launch plan.
   *
   * @param replicas how many instances serve side by side (replica 0..replicas-1)
   * @param idle nothing should serve now (on-demand and not wanted yet, or stopped by its ttl):
   *     starting, ready and unhealthy instances are stopped; draining ones finish their drain
   * @param startBlocked no new generation may start now (the file on disk was rejected while an
   *     older generation serves, or a stop-then-start swap still waits for the old generation)
   * @param awaitsAdoption instances of an earlier run may still be adopted: nothing is planned
   * @param priority models of higher priority are planned first (they get the start slots first)
   */
  public record Desired(
      String id,
      String planHash,
      ReasonCode changeReason,
      int replicas,
      boolean idle,
      boolean startBlocked,
      boolean awaitsAdoption,
      int priority) {
    public Desired {
      if (replicas < 1) {
        throw new IllegalArgumentException("replicas must be at least 1, got " + replicas);
      }
    }

    /** A model of priority 0. */
    public Desired(
        String id,
        String planHash,
        ReasonCode changeReason,
        int replicas,
        boolean idle,
        boolean startBlocked,
        boolean awaitsAdoption) {
      this(id, planHash, changeReason, replicas, idle, startBlocked, awaitsAdoption, 0);
    }

    /** One always-wanted instance, nothing blocked. */
    public Desired(String id, String planHash, ReasonCode changeReason) {
      this(id, planHash, changeReason, 1, false, false, false);
    }
  }

  /** One instance as the supervisor tracks it. */
  public record Instance(int generation, int replica, InstanceState state, String planHash) {
    /** An instance of replica 0. */
    public Instance(int generation, InstanceState state, String planHash) {
      this(generation, 0, state, planHash);
    }
  }

  /**
   * What the supervisor knows of a model.
   *
   * @param operatorStopped stopped by an operator; not started again until started by one
   * @param gaveUp the restart policy gave up (crash loop or permanent failure)
   * @param nextAttempt earliest automatic start (backoff)
   */
  public record Actual(
      String id,
      List<Instance> instances,
      boolean operatorStopped,
      boolean gaveUp,
      Instant nextAttempt) {
    public Actual {
      instances = List.copyOf(instances);
    }

    public static Actual idle(String id) {
      return new Actual(id, List.of(), false, false, Instant.MIN);
    }
  }

  private final int maxConcurrentStarts;

  public Reconciler(int maxConcurrentStarts) {
    if (maxConcurrentStarts < 1) {
      throw new IllegalArgumentException(
          "max-concurrent-starts must be at least 1, got " + maxConcurrentStarts);
    }
    this.maxConcurrentStarts = maxConcurrentStarts;
  }

  /**
   * Actions that move {@code actual} towards {@code desired}, in order of priority (highest first),
   * then model id, then replica.
   */
  public List<Action> plan(Map<String, Desired> desired, Map<String, Actual> actual, Instant now) {
    List<Action> actions = new ArrayList<>();
    int starting =
        (int)
            actual.values().stream()
                .flatMap(a -> a.instances().stream())
                .filter(i -> i.state() == InstanceState.STARTING)
                .count();
    int budget = maxConcurrentStarts - starting;
    TreeSet<String> all = new TreeSet<>(desired.keySet());
    all.addAll(actual.keySet());
    List<String> ids = new ArrayList<>(all);
    ids.sort(
        java.util.Comparator.comparingInt(
            (String id) -> desired.containsKey(id) ? -desired.get(id).priority() : 0));
    for (String id : ids) {
      Desired d = desired.get(id);
      Actual a = actual.getOrDefault(id, Actual.idle(id));
      if (d == null) {
        stopAll(a, ReasonCode.FILE_REMOVED, actions);
        continue;
      }
      if (a.operatorStopped()) {
        stopAll(a, ReasonCode.OPERATOR_STOP, actions);
        continue;
      }
      if (d.awaitsAdoption()) {
        continue;
      }
      if (d.idle()) {
        for (Instance i : a.instances()) {
          if (i.state() != InstanceState.DRAINING
              && i.state() != InstanceState.STOPPING
              && i.state().isLive()) {
            actions.add(new Action.Stop(id, i.generation(), i.replica(), ReasonCode.IDLE_TTL));
          }
        }
        continue;
      }
      for (Instance i : a.instances()) {
        if (i.state() == InstanceState.UNHEALTHY) {
          actions.add(new Action.Stop(id, i.generation(), i.replica(), ReasonCode.UNHEALTHY));
        } else if (i.replica() >= d.replicas()
            && i.state() != InstanceState.STOPPING
            && i.state().isLive()) {
          // fewer replicas configured: the extra ones go
          actions.add(new Action.Stop(id, i.generation(), i.replica(), ReasonCode.PLAN_CHANGED));
        }
      }
      boolean mayStart = !d.startBlocked() && !a.gaveUp() && !now.isBefore(a.nextAttempt());
      for (int r = 0; r < d.replicas(); r++) {
        int replica = r;
        List<Instance> mine = a.instances().stream().filter(i -> i.replica() == replica).toList();
        if (mine.stream().anyMatch(i -> i.state() == InstanceState.STARTING)) {
          continue; // one start at a time per replica; it reports back when done
        }
        List<Instance> serving =
            mine.stream().filter(i -> i.state() == InstanceState.READY).toList();
        if (!mayStart || budget <= 0) {
          continue;
        }
        if (serving.isEmpty()) {
          actions.add(new Action.Start(id, replica, d.changeReason()));
          budget--;
          continue;
        }
        Instance newest = serving.get(serving.size() - 1);
        if (!newest.planHash().equals(d.planHash())) {
          actions.add(new Action.Replace(id, replica, newest.generation(), d.changeReason()));
          budget--;
        }
      }
    }
    return actions;
  }

  private static void stopAll(Actual a, ReasonCode reason, List<Action> actions) {
    for (Instance i : a.instances()) {
      if (i.state() != InstanceState.STOPPING && i.state().isLive()) {
        actions.add(new Action.Stop(a.id(), i.generation(), i.replica(), reason));
      }
    }
  }
}
