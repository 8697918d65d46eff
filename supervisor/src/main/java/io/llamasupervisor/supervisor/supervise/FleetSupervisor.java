package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.health.HealthProbe;
import io.llamasupervisor.health.SlotsProbe;
import io.llamasupervisor.process.ExitStatus;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.process.ProcessLauncher;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.catalog.CatalogEvent;
import io.llamasupervisor.supervisor.catalog.ModelCatalog;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every verified model running: starts, gates on readiness, watches liveness, restarts with
 * backoff, replaces changed models blue-green, drains and stops.
 *
 * <p>Threading: one state thread owns all mutable state. Catalog events, process exits, readiness
 * and liveness results and operator commands are posted to it; slow work (spawning waits, probes,
 * stops) runs elsewhere and comes back as an event. Each pass runs the pure {@link Reconciler} and
 * executes its actions, so one model is never reconciled twice at once.
 *
 * <p>This class wires the parts, answers the API and runs the reconcile pass. The parts live on the
 * state thread ({@code StateThread}): {@code FleetState} (the models and the primitives that change
 * them), {@code CatalogChanges}, {@code Adopter}, {@code Spawner}, {@code InstanceLifecycle} with
 * its {@code Drainer}, and {@code StatusView} for the API's view.
 */
public final class FleetSupervisor implements Fleet, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FleetSupervisor.class);

  private final SupervisorSettings settings;
  private final ModelCatalog catalog;
  private final Reconciler reconciler;
  private final FleetState state;
  private final StateThread thread;
  private final InstanceLifecycle lifecycle;
  private final Spawner spawner;
  private final Adopter adopter;
  private final CatalogChanges catalogChanges;
  private volatile boolean closing;
  private String binarySignature;

  public FleetSupervisor(
      SupervisorSettings settings,
      ModelCatalog catalog,
      LaunchPlanner planner,
      LlamaServerBinary binary,
      ProcessLauncher launcher,
      PortAllocator ports,
      HealthProbe health,
      HealthProbe canary,
      SlotsProbe slots,
      RoutingRegistry routes,
      Clock clock) {
    this.settings = settings;
    this.catalog = catalog;
    this.reconciler = new Reconciler(settings.maxConcurrentStarts());
    this.state = new FleetState(settings, planner, binary, routes, clock);
    this.thread = new StateThread();
    this.lifecycle =
        new InstanceLifecycle(
            state, thread, ports, health, canary, slots, this::reconcile, this::reconcileAt);
    this.spawner = new Spawner(state, launcher, ports, lifecycle, this::reconcileAt);
    this.adopter = new Adopter(state, launcher, ports, health, lifecycle);
    state.untracked = adopter::pendingRecords;
    this.catalogChanges = new CatalogChanges(state, adopter, this::reconcile);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Where restarts and startup times are counted; call before {@link #start()}. */
  public void setMetrics(FleetMetrics metrics) {
    state.metrics(metrics);
  }

  /**
   * Scans the models directory once, adopts instances a previous run left alive, then starts what
   * is missing. Returns when that first pass is done; supervision continues in the background.
   */
  public void start() {
    List<CatalogEvent> initial = catalog.scanOnce();
    thread.call(
        () -> {
          initial.forEach(catalogChanges::apply);
          adopter.adopt(state.journal.read());
          reconcile();
          return null;
        });
    // instances of models whose files are still being checked wait until the catalog has seen
    // every file stable (then a missing model is really gone), for ten minutes at the most
    expireAdoptionsWhenSettled(state.now().plus(ADOPTION_WAIT_MAX));
    catalog.addListener(e -> thread.post(() -> catalogChanges.apply(e)));
    catalog.start();
    thread.every(this::reconcileSafely, settings.resyncInterval());
    thread.every(lifecycle::refreshSlots, settings.resyncInterval());
    if (!state.binary().found()) {
      LOG.warn("{}", state.binary().notFoundMessage());
    }
  }

  /** Longest wait of a recorded instance for its model to appear in the catalog. */
  static final Duration ADOPTION_WAIT_MAX = Duration.ofMinutes(10);

  private void expireAdoptionsWhenSettled(java.time.Instant deadline) {
    thread.schedule(
        () -> {
          if (!adopter.hasPending()) {
            return;
          }
          if (catalog.settled() || !state.now().isBefore(deadline)) {
            adopter.expire();
            reconcile();
          } else {
            expireAdoptionsWhenSettled(deadline);
          }
        },
        catalog.options().pollInterval());
  }

  /**
   * Replaces the launch configuration (config file reloaded). Models whose plan changes are
   * replaced blue-green with reason {@link ReasonCode#PLAN_CHANGED}; the others are not touched.
   */
  public void reconfigure(LaunchPlanner newPlanner) {
    reconfigure(newPlanner, state.binary());
  }

  /**
   * Replaces the launch configuration and the llama-server binary (its path changed in the reloaded
   * configuration): models whose plan or binary changes are replaced blue-green.
   */
  public void reconfigure(LaunchPlanner newPlanner, LlamaServerBinary newBinary) {
    thread.call(
        () -> {
          Map<String, Optional<String>> before = new HashMap<>();
          state.models.values().forEach(m -> before.put(m.id, state.desiredHashOf(m)));
          state.configure(newPlanner, newBinary);
          for (ModelRuntime m : state.models.values()) {
            if (!state.desiredHashOf(m).equals(before.get(m.id))) {
              m.changeReason = ReasonCode.PLAN_CHANGED;
              state.decide(m, ReasonCode.PLAN_CHANGED, "launch plan changed");
            }
          }
          reconcile();
          return null;
        });
  }

  /** Rescans the models directory now. */
  @Override
  public void rescan() {
    catalog.scanOnce();
  }

  /**
   * Stops every instance (SIGTERM, SIGKILL after the grace period) and waits for them, unless
   * instances are kept for adoption by the next run.
   */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    catalog.close();
    List<CompletableFuture<ExitStatus>> exits =
        thread.call(
            () -> {
              List<CompletableFuture<ExitStatus>> all =
                  new java.util.ArrayList<>(lifecycle.stopAllForShutdown());
              if (!settings.keepInstancesOnExit()) {
                all.addAll(adopter.stopPending(settings.stopGrace()));
              }
              return all;
            });
    try {
      CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
          .get(settings.stopGrace().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("not every instance confirmed its exit: {}", e.toString());
    }
    thread.call(
        () -> {
          if (!settings.keepInstancesOnExit()) {
            for (ModelRuntime m : state.models.values()) {
              m.instances.removeIf(i -> !i.process.isAlive());
            }
          }
          state.writeJournal();
          return null;
        });
    thread.shutdown();
    lifecycle.close();
  }

  // ---------------------------------------------------------------- queries and commands

  /** A snapshot of every model, in id order. */
  @Override
  public List<ModelStatus> models() {
    return thread.call(() -> state.models.values().stream().map(this::status).toList());
  }

  @Override
  public Optional<ModelStatus> model(String idOrAlias) {
    return thread.call(() -> state.find(idOrAlias).map(this::status));
  }

  private ModelStatus status(ModelRuntime m) {
    return StatusView.status(m, state.binary(), state.planner(), state.now());
  }

  /** The newest instance's last {@code n} output lines (or the last failed one's). */
  @Override
  public Optional<List<String>> logs(String idOrAlias, int n) {
    return thread.call(() -> state.find(idOrAlias).map(m -> StatusView.logs(m, n)));
  }

  /** See {@link Fleet#subscribe}: listeners run on the state thread and must not block. */
  @Override
  public Subscription subscribe(Consumer<FleetEvent> listener) {
    return state.events.subscribe(listener);
  }

  @Override
  public Optional<Duration> startupTimeout(String idOrAlias) {
    return thread.call(
        () ->
            state
                .find(idOrAlias)
                .filter(m -> m.entry != null)
                .map(
                    m ->
                        settings.startupTimeout(
                            m.entry.files().stream().mapToLong(f -> f.size()).sum())));
  }

  @Override
  public CommandResult operatorStart(String idOrAlias) {
    return command(idOrAlias, m -> resume(m, ReasonCode.OPERATOR_START, "start requested"));
  }

  @Override
  public CommandResult operatorStop(String idOrAlias) {
    return command(
        idOrAlias,
        m -> {
          m.operatorStopped = true;
          state.decide(m, ReasonCode.OPERATOR_STOP, "stop requested");
        });
  }

  /** Blue-green restart when serving; a fresh start otherwise. */
  @Override
  public CommandResult operatorRestart(String idOrAlias) {
    return command(
        idOrAlias,
        m -> {
          m.restartNonce++; // the serving generation no longer matches: replaced blue-green
          resume(m, ReasonCode.OPERATOR_RESTART, "restart requested");
        });
  }

  /** Clears an operator stop and any backoff; the next start carries {@code reason}. */
  private void resume(ModelRuntime m, ReasonCode reason, String message) {
    m.operatorStopped = false;
    m.tracker.reset();
    m.changeReason = reason;
    state.decide(m, reason, message);
  }

  private CommandResult command(String idOrAlias, Consumer<ModelRuntime> op) {
    return thread.call(
        () -> {
          Optional<ModelRuntime> m = state.find(idOrAlias);
          if (m.isEmpty()) {
            return CommandResult.NOT_FOUND;
          }
          if (m.get().entry == null || !m.get().entry.accepted()) {
            return CommandResult.REJECTED_MODEL;
          }
          op.accept(m.get());
          reconcile();
          return CommandResult.ACCEPTED;
        });
  }

  // ---------------------------------------------------------------- reconcile

  private void reconcileSafely() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      LOG.error("reconcile failed", e);
    }
  }

  /** Runs a pass at {@code at} (at once when it is past). */
  private void reconcileAt(Instant at) {
    long delay = Math.max(0, Duration.between(state.now(), at).toMillis());
    thread.schedule(this::reconcileSafely, Duration.ofMillis(delay));
  }

  /** One pass: plans desired against actual state and executes the actions. State thread only. */
  private void reconcile() {
    if (closing) {
      return;
    }
    noticeBinaryChange();
    Map<String, Reconciler.Desired> desired = new HashMap<>();
    Map<String, Reconciler.Actual> actual = new HashMap<>();
    for (ModelRuntime m : state.models.values()) {
      if (!adopter.waitsFor(m.id)) {
        state
            .desiredHashOf(m)
            .ifPresent(h -> desired.put(m.id, new Reconciler.Desired(m.id, h, m.changeReason)));
      }
      actual.put(m.id, m.actual());
    }
    for (Action a : reconciler.plan(desired, actual, state.now())) {
      ModelRuntime m = state.models.get(a.model());
      if (!(a instanceof Action.Stop) && m.startBlocked()) {
        continue;
      }
      if (a instanceof Action.Start s) {
        spawner.spawn(m, s.reason(), OptionalInt.empty());
      } else if (a instanceof Action.Replace r) {
        spawner.replace(m, r);
      } else if (a instanceof Action.Stop s) {
        m.instance(s.generation()).ifPresent(i -> lifecycle.stop(m, i, s.reason()));
      }
    }
  }

  /** A binary replaced since the last pass (new path or modification time) replaces every model. */
  private void noticeBinaryChange() {
    String binaryNow = state.binary().signature();
    if (!binaryNow.equals(binarySignature)) {
      if (binarySignature != null) {
        for (ModelRuntime m : state.models.values()) {
          m.changeReason = ReasonCode.BINARY_CHANGED;
          state.decide(m, ReasonCode.BINARY_CHANGED, "llama-server binary changed");
        }
      }
      binarySignature = binaryNow;
    }
  }
}
