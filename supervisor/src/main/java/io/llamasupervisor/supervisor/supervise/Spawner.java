package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.process.DefaultProcessLauncher;
import io.llamasupervisor.process.LaunchSpec;
import io.llamasupervisor.process.ManagedProcess;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.process.ProcessLaunchException;
import io.llamasupervisor.process.ProcessLauncher;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts new generations of a model: on a free port, from the launch plan with the resolved
 * llama-server binary, handed to {@link InstanceLifecycle} to be watched until ready. A replacement
 * runs next to the serving generation (blue-green) when the memory budget allows. Runs on the state
 * thread; only the launcher's start runs elsewhere and comes back as an event.
 */
final class Spawner {
  private static final Logger LOG = LoggerFactory.getLogger(FleetSupervisor.class);
  private final FleetState state;
  private final ProcessLauncher launcher;
  private final PortAllocator ports;
  private final InstanceLifecycle lifecycle;
  private final MemoryScheduler memory;
  private final Consumer<Instant> reconcileAt;
  private final Runnable reconcileSoon;
  private final StateThread thread;
  private final Executor spawns;

  /**
   * @param reconcileAt runs a reconcile pass at the given instant (a retry after a failed spawn)
   * @param reconcileSoon runs a reconcile pass after the current event (a start slot freed)
   * @param thread where the launcher's answers come back to
   * @param spawns where the launcher runs (it may block for seconds)
   */
  Spawner(
      FleetState state,
      ProcessLauncher launcher,
      PortAllocator ports,
      InstanceLifecycle lifecycle,
      MemoryScheduler memory,
      Consumer<Instant> reconcileAt,
      Runnable reconcileSoon,
      StateThread thread,
      Executor spawns) {
    this.state = state;
    this.launcher = launcher;
    this.ports = ports;
    this.lifecycle = lifecycle;
    this.memory = memory;
    this.reconcileAt = reconcileAt;
    this.reconcileSoon = reconcileSoon;
    this.thread = thread;
    this.spawns = spawns;
  }

  /**
   * Blue-green when the memory budget allows two copies (idle models may be evicted for it);
   * otherwise stop the old generation first (the model is briefly unavailable) and start the new
   * one once it is gone.
   */
  void replace(ModelRuntime m, Action.Replace r) {
    MemoryScheduler.Copy copy = memory.admitCopy(m);
    if (copy == MemoryScheduler.Copy.LATER) {
      return; // idle models are being evicted for the second copy: planned again
    }
    if (copy == MemoryScheduler.Copy.STOP_FIRST) {
      String why = "not enough memory for two copies in the memory budget: stop-then-start";
      m.rollout =
          new Rollout(
              "stop-then-start", r.oldGeneration(), m.nextGeneration, state.now(), r.reason(), why);
      state.decide(m, r.reason(), why);
      m.instance(r.oldGeneration(), r.replica()).ifPresent(i -> lifecycle.stop(m, i, r.reason()));
      return;
    }
    spawn(m, r.replica(), r.reason(), OptionalInt.of(r.oldGeneration()));
  }

  /**
   * Starts the next generation of {@code replica} of {@code m} (next to generation {@code
   * replacing}, when present) and waits for it to become ready. The launcher runs on the spawn
   * executor, never on the state thread; until it answers, the replica counts as starting. A spawn
   * failure counts as a failure of the model.
   */
  void spawn(ModelRuntime m, int replica, ReasonCode reason, OptionalInt replacing) {
    Optional<String> hash = state.desiredHash(m);
    if (hash.isEmpty()) {
      return;
    }
    int port;
    try {
      port = ports.allocate();
    } catch (RuntimeException e) {
      state.decide(m, ReasonCode.PORT_IN_USE, "no free port: " + e.getMessage());
      return;
    }
    LaunchPlan plan = state.plan(m, OptionalInt.of(port));
    int safeLevel = hash.get().equals(m.safeHash) ? m.safeLevel : 0;
    List<String> argv = new ArrayList<>(SafeMode.apply(plan.argv(), safeLevel));
    argv.set(0, state.binary().path().orElseThrow().toString());
    int generation = m.generationFor(replica, hash.get());
    LaunchSpec spec =
        new LaunchSpec(
            m.id + "#" + generation + (replica == 0 ? "" : "-r" + replica),
            argv,
            plan.env(),
            null,
            state.settings.log());
    Launch launch =
        new Launch(
            m.id, replica, generation, port, plan, hash.get(), reason, replacing, argv, safeLevel);
    m.spawning.put(replica, generation);
    String model = m.id;
    try {
      spawns.execute(
          () -> {
            ManagedProcess process = null;
            Exception failure = null;
            try {
              process = launcher.start(spec);
            } catch (ProcessLaunchException | RuntimeException e) {
              failure = e;
            }
            ManagedProcess started = process;
            Exception failed = failure;
            if (!thread.post(() -> onSpawned(launch, started, failed)) && started != null) {
              started.stop(state.settings.stopGrace()); // shut down meanwhile
            }
          });
    } catch (RejectedExecutionException e) {
      m.spawning.remove(replica);
      ports.release(port);
      LOG.warn("model={}: not started, the supervisor is closing", model);
    }
  }

  /** What a spawn was for; comes back with its outcome. */
  private record Launch(
      String model,
      int replica,
      int generation,
      int port,
      LaunchPlan plan,
      String desiredHash,
      ReasonCode reason,
      OptionalInt replacing,
      List<String> argv,
      int safeLevel) {}

  /** The launcher answered: track the new instance, or count the failure. State thread. */
  private void onSpawned(Launch l, ManagedProcess process, Exception failure) {
    ModelRuntime m = state.models.get(l.model());
    if (m != null) {
      m.spawning.remove(l.replica());
    }
    if (failure != null) {
      ports.release(l.port());
      if (m != null) {
        RestartDecision d =
            m.tracker.onFailure(state.now(), Duration.ZERO, ReasonCode.SPAWN_FAILED, false);
        state.decide(
            m,
            d.restart() ? ReasonCode.SPAWN_FAILED : d.reason(),
            "cannot start llama-server: " + failure.getMessage());
        if (d.restart()) {
          if (l.replacing().isEmpty()) {
            m.changeReason = ReasonCode.SPAWN_FAILED; // the retry starts because of this failure
          }
          reconcileAt.accept(m.tracker.nextAttempt());
        }
      }
      reconcileSoon.run(); // the start slot it took is free again
      return;
    }
    if (m == null) {
      // the model was forgotten while its process started: nothing may run for it
      process.stop(state.settings.stopGrace()).whenComplete((st, e) -> ports.release(l.port()));
      return;
    }
    InstanceRuntime i =
        new InstanceRuntime(
            l.generation(),
            l.replica(),
            probeHost(l.plan()),
            l.port(),
            process,
            l.plan(),
            l.desiredHash(),
            state.now());
    i.safeLevel = l.safeLevel();
    m.instances.add(i);
    if (l.replacing().isPresent()) {
      m.rollout =
          new Rollout(
              "starting",
              l.replacing().getAsInt(),
              l.generation(),
              state.now(),
              l.reason(),
              i.label() + " loading");
      state.metrics().restarted(m.id, l.reason());
    }
    state.logTransition(
        m,
        i,
        null,
        InstanceState.STARTING,
        l.reason(),
        "pid " + process.pid() + " " + String.join(" ", DefaultProcessLauncher.masked(l.argv())));
    lifecycle.watch(m, i);
    state.writeJournal();
    state.publish();
    reconcileSoon.run(); // a stop or a removal may have come while it started
  }

  /**
   * Waits until every spawn in progress has come back to the state thread (at most {@code
   * timeout}); later spawns are refused. Call before the shutdown stops the instances.
   */
  void close(Duration timeout) {
    if (spawns instanceof ExecutorService es) {
      es.shutdown();
      try {
        if (!es.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("a llama-server start did not return within {} ms", timeout.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String probeHost(LaunchPlan plan) {
    int at = plan.argv().indexOf("--host");
    String host = at >= 0 && at + 1 < plan.argv().size() ? plan.argv().get(at + 1) : "127.0.0.1";
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }
}
