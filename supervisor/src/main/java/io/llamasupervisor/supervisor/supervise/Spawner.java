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
import java.util.function.Consumer;

/**
 * Starts new generations of a model: on a free port, from the launch plan with the resolved
 * llama-server binary, handed to {@link InstanceLifecycle} to be watched until ready. A replacement
 * runs next to the serving generation (blue-green) when the memory budget allows. State thread
 * only.
 */
final class Spawner {
  private final FleetState state;
  private final ProcessLauncher launcher;
  private final PortAllocator ports;
  private final InstanceLifecycle lifecycle;
  private final Consumer<Instant> reconcileAt;
  private final Runnable reconcileSoon;

  /**
   * @param reconcileAt runs a reconcile pass at the given instant (a retry after a failed spawn)
   * @param reconcileSoon runs a reconcile pass after the current event (a start slot freed)
   */
  Spawner(
      FleetState state,
      ProcessLauncher launcher,
      PortAllocator ports,
      InstanceLifecycle lifecycle,
      Consumer<Instant> reconcileAt,
      Runnable reconcileSoon) {
    this.state = state;
    this.launcher = launcher;
    this.ports = ports;
    this.lifecycle = lifecycle;
    this.reconcileAt = reconcileAt;
    this.reconcileSoon = reconcileSoon;
  }

  /**
   * Blue-green when the memory budget allows two copies; otherwise stop the old generation first
   * (the model is briefly unavailable) and start the new one once it is gone.
   */
  void replace(ModelRuntime m, Action.Replace r) {
    long budget = state.settings.memoryBudgetBytes();
    if (budget > 0) {
      long inUse =
          state.models.values().stream()
              .flatMap(x -> x.instances.stream())
              .filter(i -> i.state.isLive())
              .mapToLong(i -> i.plan.memory().totalBytes())
              .sum();
      long needed = state.plan(m, OptionalInt.empty()).memory().totalBytes();
      if (inUse + needed > budget) {
        String why =
            "not enough memory for two copies (in use "
                + inUse
                + " + new "
                + needed
                + " bytes > budget "
                + budget
                + "): stop-then-start";
        m.rollout =
            new Rollout(
                "stop-then-start",
                r.oldGeneration(),
                m.nextGeneration,
                state.now(),
                r.reason(),
                why);
        state.decide(m, r.reason(), why);
        m.instance(r.oldGeneration(), r.replica()).ifPresent(i -> lifecycle.stop(m, i, r.reason()));
        return;
      }
    }
    spawn(m, r.replica(), r.reason(), OptionalInt.of(r.oldGeneration()));
  }

  /**
   * Starts the next generation of {@code replica} of {@code m} (next to generation {@code
   * replacing}, when present) and waits for it to become ready. A spawn failure counts as a failure
   * of the model.
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
    List<String> argv = new ArrayList<>(plan.argv());
    argv.set(0, state.binary().path().orElseThrow().toString());
    int generation = m.generationFor(replica, hash.get());
    LaunchSpec spec =
        new LaunchSpec(
            m.id + "#" + generation + (replica == 0 ? "" : "-r" + replica),
            argv,
            plan.env(),
            null,
            state.settings.log());
    ManagedProcess process;
    try {
      process = launcher.start(spec);
    } catch (ProcessLaunchException | RuntimeException e) {
      ports.release(port);
      RestartDecision d =
          m.tracker.onFailure(state.now(), Duration.ZERO, ReasonCode.SPAWN_FAILED, false);
      state.decide(
          m,
          d.restart() ? ReasonCode.SPAWN_FAILED : d.reason(),
          "cannot start llama-server: " + e.getMessage());
      if (d.restart()) {
        reconcileAt.accept(m.tracker.nextAttempt());
      }
      reconcileSoon.run(); // the start slot it took is free again
      return;
    }
    InstanceRuntime i =
        new InstanceRuntime(
            generation, replica, probeHost(plan), port, process, plan, hash.get(), state.now());
    m.instances.add(i);
    if (replacing.isPresent()) {
      m.rollout =
          new Rollout(
              "starting",
              replacing.getAsInt(),
              generation,
              state.now(),
              reason,
              i.label() + " loading");
      state.metrics().restarted(m.id, reason);
    }
    state.logTransition(
        m,
        i,
        null,
        InstanceState.STARTING,
        reason,
        "pid " + process.pid() + " " + String.join(" ", DefaultProcessLauncher.masked(argv)));
    lifecycle.watch(m, i);
    state.writeJournal();
    state.publish();
  }

  private static String probeHost(LaunchPlan plan) {
    int at = plan.argv().indexOf("--host");
    String host = at >= 0 && at + 1 < plan.argv().size() ? plan.argv().get(at + 1) : "127.0.0.1";
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }
}
