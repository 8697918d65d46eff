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
import io.llamasupervisor.supervisor.launch.StartMode;
import io.llamasupervisor.supervisor.memory.DeviceReader;
import io.llamasupervisor.supervisor.memory.MemoryReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
  private final IdleStopper idleStopper;
  private final MemoryScheduler memory;
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
    this(
        settings,
        catalog,
        planner,
        binary,
        launcher,
        ports,
        health,
        canary,
        slots,
        routes,
        clock,
        new StateThread(),
        Executors.newSingleThreadScheduledExecutor(StateThread.daemon("supervisor-probes")),
        Executors.newCachedThreadPool(StateThread.daemon("supervisor-spawn")));
  }

  /**
   * A supervisor on the given threads: {@code thread} owns the state, {@code probes} schedules
   * readiness and liveness probes (on {@code clock}'s time), {@code spawns} runs the launcher.
   * Tests pass a manual scheduler for all three and advance its clock.
   */
  FleetSupervisor(
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
      Clock clock,
      StateThread thread,
      ScheduledExecutorService probes,
      Executor spawns) {
    this.settings = settings;
    this.catalog = catalog;
    this.reconciler = new Reconciler(settings.maxConcurrentStarts());
    this.state = new FleetState(settings, planner, binary, routes, clock);
    this.thread = thread;
    this.lifecycle =
        new InstanceLifecycle(
            state,
            thread,
            ports,
            health,
            canary,
            slots,
            this::reconcile,
            this::reconcileAt,
            probes);
    this.memory = new MemoryScheduler(state, lifecycle, this::memoryPollIn, this::everyModelKnown);
    lifecycle.memory(memory);
    this.spawner =
        new Spawner(
            state,
            launcher,
            ports,
            lifecycle,
            memory,
            this::reconcileAt,
            this::reconcileSoon,
            thread,
            spawns);
    this.adopter = new Adopter(state, launcher, ports, health, lifecycle);
    state.untracked = adopter::pendingRecords;
    this.catalogChanges = new CatalogChanges(state, adopter, this::reconcile);
    this.idleStopper = new IdleStopper(state, lifecycle, this::reconcile);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Where restarts and startup times are counted; call before {@link #start()}. */
  public void setMetrics(FleetMetrics metrics) {
    state.metrics(metrics);
  }

  /**
   * What an in-process gateway knows of live traffic (default {@link Traffic#NONE}): drains wait
   * for its in-flight requests, ttl stops for its queue and in-flight requests. May be set at any
   * time (the gateway is usually built after the supervisor).
   */
  public void setTraffic(Traffic traffic) {
    state.traffic(traffic);
  }

  /**
   * Where device memory is read: for a {@code supervisor.memory.budget} of {@code auto} and to see
   * memory freed by an eviction (default {@link DeviceReader#NONE}: an {@code auto} budget is no
   * budget). Call before {@link #start()}; the reader is asked on the state thread and must be
   * fast.
   */
  public void setDeviceReader(DeviceReader reader) {
    memory.reader(java.util.Objects.requireNonNull(reader, "reader"));
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
          memory.resolve();
          reconcile();
          return null;
        });
    // instances of models whose files are still being checked wait until the catalog has seen
    // every file stable (then a missing model is really gone), for ten minutes at the most
    expireAdoptionsWhenSettled(state.now().plus(ADOPTION_WAIT_MAX));
    catalog.addListener(e -> thread.post(() -> catalogChanges.apply(e)));
    catalog.start();
    thread.every("resync", this::reconcile, settings.resyncInterval());
    thread.every("slots refresh", lifecycle::refreshSlots, settings.resyncInterval());
    thread.every("idle check", idleStopper::check, IdleStopper.CHECK_EVERY);
    if (!state.binary().found()) {
      LOG.warn("{}", state.binary().notFoundMessage());
    }
  }

  /** Longest wait of a recorded instance for its model to appear in the catalog. */
  static final Duration ADOPTION_WAIT_MAX = Duration.ofMinutes(10);

  private void expireAdoptionsWhenSettled(java.time.Instant deadline) {
    thread.schedule(
        "adoption expiry",
        () -> {
          if (!adopter.hasPending()) {
            return;
          }
          if (!settled() && state.now().isBefore(deadline)) {
            expireAdoptionsWhenSettled(deadline);
            return;
          }
          adopter.expire();
          reconcile();
        },
        catalog.options().pollInterval());
  }

  /** The catalog settled and the state thread has applied every model it knows. */
  private boolean everyModelKnown() {
    return settled() && catalog.snapshot().stream().allMatch(e -> state.models.containsKey(e.id()));
  }

  private boolean settled() {
    try {
      return catalog.settled();
    } catch (RuntimeException e) {
      LOG.error("cannot tell whether the catalog settled (asking again): {}", e.toString(), e);
      return false;
    }
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
            if (m.idleReason == ReasonCode.ON_DEMAND
                && state.settingsOf(m).start() == StartMode.ALWAYS) {
              m.idleReason = null; // no longer on demand: starts now
            }
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
    // starts in progress come back first, so their instances are stopped with the others
    spawner.close(Duration.ofSeconds(30));
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
    return StatusView.status(m, state.binary(), state.planner(), state.now(), memory.of(m));
  }

  @Override
  public MemoryReport memory() {
    return thread.call(memory::report);
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
          memory.cancel(m);
          state.decide(m, ReasonCode.OPERATOR_STOP, "stop requested");
        });
  }

  /**
   * Starts the model like a request would (its start may evict idle models and waits for memory),
   * unless an operator stopped it; clears a failure's give-up.
   */
  @Override
  public CommandResult load(String idOrAlias) {
    return want(idOrAlias, true);
  }

  /**
   * Drains and stops the model's instances; unlike an operator stop the model stays startable: a
   * request (or a load) starts it again.
   */
  @Override
  public CommandResult unload(String idOrAlias) {
    return command(
        idOrAlias,
        m -> {
          memory.cancel(m);
          m.idleReason = ReasonCode.UNLOADED;
          m.changeReason = ReasonCode.UNLOADED;
          String why = "unloaded by an operator: drains, then stops; a request starts it again";
          state.decide(m, ReasonCode.UNLOADED, why);
          lifecycle.drainAll(m, ReasonCode.UNLOADED, why);
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

  /**
   * Starts the model if it is idle (on-demand, or stopped by its ttl) and not stopped by an
   * operator; nothing when it already serves or starts. Concurrent demands start one instance.
   */
  @Override
  public CommandResult demand(String idOrAlias) {
    return want(idOrAlias, false);
  }

  /**
   * A request ({@code operator} false) or an operator's load wants the model: it starts when it is
   * idle, or (a load) not serving; an operator stop is never overridden, a failure's give-up only
   * by a load.
   */
  private CommandResult want(String idOrAlias, boolean operator) {
    return thread.call(
        () -> {
          Optional<ModelRuntime> found = state.find(idOrAlias);
          if (found.isEmpty()) {
            return CommandResult.NOT_FOUND;
          }
          ModelRuntime m = found.get();
          if (m.entry == null || !m.entry.accepted() || m.doesNotFit != null) {
            return CommandResult.REJECTED_MODEL;
          }
          if (m.operatorStopped || (!operator && m.tracker.gaveUp()) || !state.binary().found()) {
            return CommandResult.STOPPED;
          }
          m.demandedAt = state.now();
          boolean serving = m.has(InstanceState.READY);
          if (!serving) {
            m.memoryWanted = true;
          }
          if (operator && m.tracker.gaveUp()) {
            m.tracker.reset();
          }
          if (m.idleReason != null || (operator && !serving)) {
            ReasonCode reason = operator ? ReasonCode.OPERATOR_LOAD : ReasonCode.DEMANDED;
            m.idleReason = null;
            m.changeReason = reason;
            state.decide(
                m, reason, operator ? "load requested" : "a request wants the model: starting");
            reconcile();
          }
          return CommandResult.ACCEPTED;
        });
  }

  /**
   * Clears an operator stop, an idle stop and any backoff; the next start carries {@code reason}.
   */
  private void resume(ModelRuntime m, ReasonCode reason, String message) {
    m.operatorStopped = false;
    m.idleReason = null;
    m.demandedAt = state.now();
    m.memoryWanted = true;
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

  private boolean reconcileQueued;

  /** Runs one pass after the current event; several requests before it runs make one pass. */
  private void reconcileSoon() {
    if (!reconcileQueued) {
      reconcileQueued = true;
      thread.post(
          () -> {
            reconcileQueued = false;
            reconcile();
          });
    }
  }

  /** A start waits for memory: a pass after {@code delay} looks again. */
  private void memoryPollIn(Duration delay) {
    thread.schedule(
        "memory poll",
        () -> {
          memory.polled();
          reconcile();
        },
        delay);
  }

  /** Runs a pass at {@code at} (at once when it is past). */
  private void reconcileAt(Instant at) {
    long delay = Math.max(0, Duration.between(state.now(), at).toMillis());
    thread.schedule("reconcile", this::reconcile, Duration.ofMillis(delay));
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
      boolean awaitsAdoption = adopter.waitsFor(m.id);
      Optional<String> hash = awaitsAdoption ? Optional.of("") : state.desiredHashOf(m);
      if (hash.isPresent()) {
        desired.put(
            m.id,
            new Reconciler.Desired(
                m.id,
                hash.get(),
                m.changeReason,
                state.settingsOf(m).replicas(),
                m.idleReason != null,
                m.startBlocked(),
                awaitsAdoption,
                m.entry == null ? 0 : state.settingsOf(m).priority()));
      }
      actual.put(m.id, m.actual());
    }
    for (Action a : reconciler.plan(desired, actual, state.now())) {
      ModelRuntime m = state.models.get(a.model());
      StateThread.guarded("action " + a + " of model " + m.id, () -> execute(m, a)).run();
    }
  }

  private void execute(ModelRuntime m, Action a) {
    if (a instanceof Action.Start s) {
      if (memory.admit(m)) {
        spawner.spawn(m, s.replica(), s.reason(), OptionalInt.empty());
      }
    } else if (a instanceof Action.Replace r) {
      spawner.replace(m, r);
    } else if (a instanceof Action.Stop s) {
      m.instance(s.generation(), s.replica()).ifPresent(i -> lifecycle.stop(m, i, s.reason()));
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
