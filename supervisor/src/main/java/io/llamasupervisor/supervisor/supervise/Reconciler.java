package io.llamasupervisor.supervisor.supervise;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The pure decision of what to start and stop: {@code plan(desired, actual) -> actions}.
 * Idempotent: planning again against the state the actions produce yields nothing new. No clocks,
 * threads or I/O; time comes in as {@code now}.
 */
public final class Reconciler {
  /** A model that should run: it passed verification and has a launch plan. */
  public record Desired(String id, String planHash, ReasonCode changeReason) {}

  /** One instance as the supervisor tracks it. */
  public record Instance(int generation, InstanceState state, String planHash) {}

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

  /** Actions that move {@code actual} towards {@code desired}, in model-id order. */
  public List<Action> plan(Map<String, Desired> desired, Map<String, Actual> actual, Instant now) {
    List<Action> actions = new ArrayList<>();
    int starting =
        (int)
            actual.values().stream()
                .flatMap(a -> a.instances().stream())
                .filter(i -> i.state() == InstanceState.STARTING)
                .count();
    int budget = maxConcurrentStarts - starting;
    TreeSet<String> ids = new TreeSet<>(desired.keySet());
    ids.addAll(actual.keySet());
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
      for (Instance i : a.instances()) {
        if (i.state() == InstanceState.UNHEALTHY) {
          actions.add(new Action.Stop(id, i.generation(), ReasonCode.UNHEALTHY));
        }
      }
      boolean startingNow = has(a, InstanceState.STARTING);
      List<Instance> serving =
          a.instances().stream().filter(i -> i.state() == InstanceState.READY).toList();
      if (startingNow) {
        continue; // one start at a time per model; it reports back when done
      }
      if (serving.isEmpty()) {
        if (!a.gaveUp() && !now.isBefore(a.nextAttempt()) && budget > 0) {
          actions.add(new Action.Start(id, d.changeReason()));
          budget--;
        }
        continue;
      }
      Instance newest = serving.get(serving.size() - 1);
      if (!newest.planHash().equals(d.planHash())
          && budget > 0
          && !a.gaveUp()
          && !now.isBefore(a.nextAttempt())) {
        actions.add(new Action.Replace(id, newest.generation(), d.changeReason()));
        budget--;
      }
    }
    return actions;
  }

  private static boolean has(Actual a, InstanceState s) {
    return a.instances().stream().anyMatch(i -> i.state() == s);
  }

  private static void stopAll(Actual a, ReasonCode reason, List<Action> actions) {
    for (Instance i : a.instances()) {
      if (i.state() != InstanceState.STOPPING && i.state().isLive()) {
        actions.add(new Action.Stop(a.id(), i.generation(), reason));
      }
    }
  }
}
