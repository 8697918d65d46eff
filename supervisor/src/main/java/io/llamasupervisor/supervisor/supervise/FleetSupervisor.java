package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.health.HealthProbe;
import io.llamasupervisor.health.LivenessMonitor;
import io.llamasupervisor.health.PollSchedule;
import io.llamasupervisor.health.ReadinessResult;
import io.llamasupervisor.health.ReadinessWait;
import io.llamasupervisor.health.SlotsProbe;
import io.llamasupervisor.health.SlotsResult;
import io.llamasupervisor.health.UnhealthyEvent;
import io.llamasupervisor.process.ExitStatus;
import io.llamasupervisor.process.LaunchSpec;
import io.llamasupervisor.process.ManagedProcess;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.process.ProcessLaunchException;
import io.llamasupervisor.process.ProcessLauncher;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.catalog.CatalogEvent;
import io.llamasupervisor.supervisor.catalog.ModelCatalog;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.launch.ModelSpec;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 */
public final class FleetSupervisor implements Fleet, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FleetSupervisor.class);
  private static final int LAST_LINES = 20;
  private static final Duration DRAIN_CHECK = Duration.ofMillis(200);

  /**
   * Readiness polls: every 50 ms at first, growing 2 % per poll, so readiness is seen within about
   * 100 ms during the first seconds of loading (where small models become ready) and the poll rate
   * backs off to every 500 ms for long loads.
   */
  static final PollSchedule READINESS_POLLS =
      new PollSchedule(Duration.ofMillis(50), 1.02, Duration.ofMillis(500));

  private final SupervisorSettings settings;
  private final ModelCatalog catalog;
  private LaunchPlanner planner;
  private volatile LlamaServerBinary binary;
  private final ProcessLauncher launcher;
  private final PortAllocator ports;
  private final HealthProbe health;
  private final HealthProbe canary;
  private final SlotsProbe slots;
  private final RoutingRegistry routes;
  private final Clock clock;
  private final Reconciler reconciler;
  private final InstanceJournal journal;
  private final ScheduledExecutorService state;
  private final ScheduledExecutorService probes;
  private final ReadinessWait readiness;
  private final Map<String, ModelRuntime> models = new TreeMap<>();
  private final Adopter adopter;
  private volatile boolean closing;
  private volatile FleetMetrics metrics = FleetMetrics.NONE;
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
    this.planner = planner;
    this.binary = binary;
    this.launcher = launcher;
    this.ports = ports;
    this.health = health;
    this.canary = canary;
    this.slots = slots;
    this.routes = routes;
    this.clock = clock;
    this.reconciler = new Reconciler(settings.maxConcurrentStarts());
    this.journal = new InstanceJournal(settings.stateFile());
    this.state = Executors.newSingleThreadScheduledExecutor(daemon("supervisor-state"));
    this.probes = Executors.newScheduledThreadPool(2, daemon("supervisor-probes"));
    this.adopter = new Adopter(this);
    this.readiness =
        new ReadinessWait(
            health, clock, probes, READINESS_POLLS, ReadinessWait.DEFAULT_PROBE_TIMEOUT);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Where restarts and startup times are counted; call before {@link #start()}. */
  public void setMetrics(FleetMetrics metrics) {
    this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
  }

  /**
   * Scans the models directory once, adopts instances a previous run left alive, then starts what
   * is missing. Returns when that first pass is done; supervision continues in the background.
   */
  public void start() {
    List<CatalogEvent> initial = catalog.scanOnce();
    call(
        () -> {
          for (CatalogEvent e : initial) {
            onCatalogEvent(e);
          }
          adopter.adopt(journal.read());
          reconcile();
          return null;
        });
    // instances of models whose files are not yet confirmed stable wait for the catalog
    var options = catalog.options();
    long settle = options.stableAfter().plus(options.pollInterval().multipliedBy(3)).toMillis();
    state.schedule(
        () -> {
          adopter.expire();
          reconcile();
        },
        settle,
        TimeUnit.MILLISECONDS);
    catalog.addListener(e -> post(() -> onCatalogEvent(e)));
    catalog.start();
    long resync = settings.resyncInterval().toMillis();
    state.scheduleWithFixedDelay(this::reconcileSafely, resync, resync, TimeUnit.MILLISECONDS);
    if (!binary.found()) {
      LOG.warn("{}", binary.notFoundMessage());
    }
  }

  /**
   * Replaces the launch configuration (config file reloaded). Models whose plan changes are
   * replaced blue-green with reason {@link ReasonCode#PLAN_CHANGED}; the others are not touched.
   */
  public void reconfigure(LaunchPlanner newPlanner) {
    reconfigure(newPlanner, binary);
  }

  /**
   * Replaces the launch configuration and the llama-server binary (its path changed in the reloaded
   * configuration): models whose plan or binary changes are replaced blue-green.
   */
  public void reconfigure(LaunchPlanner newPlanner, LlamaServerBinary newBinary) {
    call(
        () -> {
          Map<String, Optional<String>> before = new HashMap<>();
          models.values().forEach(m -> before.put(m.id, desiredHashOf(m)));
          planner = newPlanner;
          binary = newBinary;
          for (ModelRuntime m : models.values()) {
            if (!desiredHashOf(m).equals(before.get(m.id))) {
              m.changeReason = ReasonCode.PLAN_CHANGED;
              decide(m, Decision.of(ReasonCode.PLAN_CHANGED, "launch plan changed", now()));
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
        call(
            () -> {
              List<CompletableFuture<ExitStatus>> all = new ArrayList<>();
              for (ModelRuntime m : models.values()) {
                for (InstanceRuntime i : m.instances) {
                  i.stopWatching();
                  if (settings.keepInstancesOnExit()) {
                    continue;
                  }
                  i.stopReason = ReasonCode.SHUTDOWN;
                  transition(m, i, InstanceState.STOPPING, ReasonCode.SHUTDOWN, "shutting down");
                  all.add(i.process.stop(settings.stopGrace()));
                }
              }
              return all;
            });
    try {
      CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
          .get(settings.stopGrace().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("not every instance confirmed its exit: {}", e.toString());
    }
    call(
        () -> {
          if (!settings.keepInstancesOnExit()) {
            for (ModelRuntime m : models.values()) {
              m.instances.removeIf(i -> !i.process.isAlive());
            }
          }
          journal.write(models.values());
          return null;
        });
    state.shutdownNow();
    probes.shutdownNow();
  }

  // ---------------------------------------------------------------- queries and commands

  /** A snapshot of every model, in id order. */
  @Override
  public List<ModelStatus> models() {
    return call(() -> models.values().stream().map(this::status).toList());
  }

  @Override
  public Optional<ModelStatus> model(String idOrAlias) {
    return call(() -> find(idOrAlias).map(this::status));
  }

  /** The newest instance's last {@code n} output lines (or the last failed one's). */
  @Override
  public Optional<List<String>> logs(String idOrAlias, int n) {
    return call(
        () ->
            find(idOrAlias)
                .map(
                    m -> {
                      if (!m.instances.isEmpty()) {
                        return m.instances.get(m.instances.size() - 1).process.logs().lastLines(n);
                      }
                      return m.lastDecision == null
                          ? List.<String>of()
                          : tail(m.lastDecision.lastLines(), n);
                    }));
  }

  @Override
  public CommandResult operatorStart(String idOrAlias) {
    return command(
        idOrAlias,
        m -> {
          m.operatorStopped = false;
          m.tracker.reset();
          m.changeReason = ReasonCode.OPERATOR_START;
          decide(m, Decision.of(ReasonCode.OPERATOR_START, "start requested", now()));
        });
  }

  @Override
  public CommandResult operatorStop(String idOrAlias) {
    return command(
        idOrAlias,
        m -> {
          m.operatorStopped = true;
          decide(m, Decision.of(ReasonCode.OPERATOR_STOP, "stop requested", now()));
        });
  }

  /** Blue-green restart when serving; a fresh start otherwise. */
  @Override
  public CommandResult operatorRestart(String idOrAlias) {
    return command(
        idOrAlias,
        m -> {
          m.operatorStopped = false;
          m.tracker.reset();
          m.restartNonce++;
          m.changeReason = ReasonCode.OPERATOR_RESTART;
          decide(m, Decision.of(ReasonCode.OPERATOR_RESTART, "restart requested", now()));
        });
  }

  private CommandResult command(String idOrAlias, java.util.function.Consumer<ModelRuntime> op) {
    return call(
        () -> {
          Optional<ModelRuntime> m = find(idOrAlias);
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

  private Optional<ModelRuntime> find(String idOrAlias) {
    ModelRuntime m = models.get(idOrAlias);
    if (m != null) {
      return Optional.of(m);
    }
    return models.values().stream()
        .filter(r -> idOrAlias.equals(r.alias()) && r.entry != null)
        .findFirst();
  }

  // ---------------------------------------------------------------- events

  private void onCatalogEvent(CatalogEvent e) {
    ModelRuntime m = models.computeIfAbsent(e.id(), this::newModel);
    CatalogEntry previous = m.entry;
    switch (e.type()) {
      case REMOVED -> {
        m.entry = null;
        m.changeReason = ReasonCode.FILE_REMOVED;
        decide(m, Decision.of(ReasonCode.FILE_REMOVED, "model file removed", now()));
      }
      case REJECTED -> {
        if (previous != null && previous.accepted() && m.has(InstanceState.READY)) {
          // the serving generation keeps its loaded model; the new file never runs
          int serving = m.instances.get(m.instances.size() - 1).generation;
          m.rollout =
              new Rollout(
                  "failed",
                  serving,
                  serving,
                  now(),
                  ReasonCode.REJECTED,
                  "new file rejected: " + e.entry().reason() + ": " + e.entry().message());
          decide(
              m,
              Decision.of(
                  ReasonCode.REJECTED,
                  "rollout failed, generation "
                      + serving
                      + " keeps serving: new file rejected: "
                      + e.entry().reason()
                      + ": "
                      + e.entry().message(),
                  now()));
          reconcile();
          return;
        }
        m.entry = e.entry();
        decide(
            m,
            Decision.of(
                ReasonCode.REJECTED, e.entry().reason() + ": " + e.entry().message(), now()));
      }
      default -> {
        m.entry = e.entry();
        if (previous != null) {
          // a changed file gets a fresh start: failures of the old file do not count
          m.tracker.reset();
          m.changeReason = ReasonCode.FILE_CHANGED;
          decide(m, Decision.of(ReasonCode.FILE_CHANGED, "model file changed", now()));
        }
      }
    }
    if (m.entry == null && m.instances.isEmpty()) {
      models.remove(m.id);
    }
    if (adopter.waitsFor(e.id())) {
      adopter.resolve(e.id());
    }
    reconcile();
  }

  private ModelRuntime newModel(String id) {
    return new ModelRuntime(
        id, new RestartTracker(settings.restart(), () -> ThreadLocalRandom.current().nextDouble()));
  }

  private void onReadiness(String model, int generation, ReadinessResult result) {
    ModelRuntime m = models.get(model);
    Optional<InstanceRuntime> found = m == null ? Optional.empty() : m.instance(generation);
    if (found.isEmpty() || found.get().state != InstanceState.STARTING) {
      return;
    }
    InstanceRuntime i = found.get();
    if (result instanceof ReadinessResult.Ready ready) {
      i.readyAt = now();
      i.identity = ProcessIdentity.capture(i.process.pid()).orElse(i.identity);
      metrics.ready(m.id, i.generation, Duration.between(i.started, i.readyAt));
      transition(
          m,
          i,
          InstanceState.READY,
          ReasonCode.READY,
          "ready after " + ready.elapsed().toMillis() + " ms");
      startLiveness(m, i);
      for (InstanceRuntime old : m.instances) {
        if (old != i && old.state == InstanceState.READY) {
          old.drainingSince = now();
          old.stopWatching();
          transition(
              m,
              old,
              InstanceState.DRAINING,
              m.changeReason,
              "replaced by generation " + i.generation);
        }
      }
      if (m.rollout != null && m.rollout.toGeneration() == i.generation) {
        boolean drains = m.has(InstanceState.DRAINING);
        m.rollout =
            m.rollout.phase(
                drains ? "draining" : "done", now(), "generation " + i.generation + " serving");
      }
      publish();
      scheduleDrainCheck();
    } else if (result instanceof ReadinessResult.TimedOut timedOut) {
      List<String> lines = i.process.logs().lastLines(LAST_LINES);
      failed(m, i, ReasonCode.HEALTH_TIMEOUT, timedOut.message(), lines, false);
      stop(m, i, ReasonCode.HEALTH_TIMEOUT);
    }
    // Exited and Cancelled: the exit handler decides
  }

  private void onExit(String model, int generation, ExitStatus status) {
    ModelRuntime m = models.get(model);
    Optional<InstanceRuntime> found = m == null ? Optional.empty() : m.instance(generation);
    if (found.isEmpty()) {
      return;
    }
    InstanceRuntime i = found.get();
    i.stopWatching();
    ports.release(i.port);
    m.instances.remove(i);
    List<String> lines = i.process.logs().lastLines(LAST_LINES);
    if (i.state == InstanceState.STOPPING || i.state == InstanceState.FAILED) {
      logTransition(m, i, i.state, InstanceState.STOPPED, i.stopReason, status.describe());
    } else if (i.state == InstanceState.DRAINING) {
      // crash while draining: only its own in-flight requests fail; the new generation serves
      logTransition(m, i, i.state, InstanceState.STOPPED, ReasonCode.EXITED, status.describe());
    } else {
      ReasonCode reason =
          status.signal().isPresent()
              ? ReasonCode.KILLED
              : FailureClassifier.classify(status.code().orElse(-1), lines);
      String explain = FailureClassifier.explain(lines);
      String message = status.describe() + (explain.isEmpty() ? "" : ": " + explain);
      m.lastExit = status.describe();
      failed(m, i, reason, message, lines, reason == ReasonCode.LOAD_FAILED);
      logTransition(m, i, i.state, InstanceState.FAILED, reason, message);
    }
    if (m.entry == null && m.instances.isEmpty()) {
      models.remove(m.id);
    }
    journal.write(models.values());
    publish();
    reconcile();
  }

  /** Records a failure with the restart policy and the rollout. */
  private void failed(
      ModelRuntime m,
      InstanceRuntime i,
      ReasonCode reason,
      String message,
      List<String> lines,
      boolean permanent) {
    Duration ranFor = Duration.between(i.readyAt == null ? now() : i.readyAt, now());
    boolean rolloutFailed =
        m.rollout != null
            && m.rollout.toGeneration() == i.generation
            && m.has(InstanceState.READY)
            && i.state == InstanceState.STARTING;
    RestartDecision d = m.tracker.onFailure(now(), ranFor, reason, permanent);
    if (rolloutFailed) {
      m.rollout = m.rollout.phase("failed", now(), reason + ": " + message);
      decide(
          m,
          new Decision(
              reason,
              "rollout failed, previous generation keeps serving: " + message,
              now(),
              lines));
    } else if (d.restart()) {
      m.restarts++;
      metrics.restarted(m.id, reason);
      decide(
          m,
          new Decision(
              reason,
              message + "; restart " + d.failures() + " in " + d.delay().toMillis() + " ms",
              now(),
              lines));
    } else {
      decide(
          m,
          new Decision(
              d.reason(),
              (d.reason() == ReasonCode.CRASH_LOOP
                      ? "gave up after " + d.failures() + " failures in a row; last: "
                      : "will not retry: ")
                  + message,
              now(),
              lines));
    }
    if (d.restart()) {
      scheduleReconcileAt(m.tracker.nextAttempt());
    }
  }

  private void onUnhealthy(String model, int generation, UnhealthyEvent event) {
    ModelRuntime m = models.get(model);
    Optional<InstanceRuntime> found = m == null ? Optional.empty() : m.instance(generation);
    if (found.isEmpty() || found.get().state != InstanceState.READY) {
      return;
    }
    InstanceRuntime i = found.get();
    List<String> lines = i.process.logs().lastLines(LAST_LINES);
    transition(m, i, InstanceState.UNHEALTHY, ReasonCode.UNHEALTHY, event.toString());
    failed(m, i, ReasonCode.UNHEALTHY, event.toString(), lines, false);
    publish();
    reconcile();
  }

  // ---------------------------------------------------------------- reconcile and actions

  private void reconcileSafely() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      LOG.error("reconcile failed", e);
    }
  }

  private void reconcile() {
    if (closing) {
      return;
    }
    String binaryNow = binary.signature();
    if (!binaryNow.equals(binarySignature)) {
      if (binarySignature != null) {
        for (ModelRuntime m : models.values()) {
          m.changeReason = ReasonCode.BINARY_CHANGED;
          decide(m, Decision.of(ReasonCode.BINARY_CHANGED, "llama-server binary changed", now()));
        }
      }
      binarySignature = binaryNow;
    }
    Map<String, Reconciler.Desired> desired = new HashMap<>();
    Map<String, Reconciler.Actual> actual = new HashMap<>();
    for (ModelRuntime m : models.values()) {
      if (m.entry != null && m.entry.accepted() && binary.found() && !adopter.waitsFor(m.id)) {
        desiredHash(m)
            .ifPresent(h -> desired.put(m.id, new Reconciler.Desired(m.id, h, m.changeReason)));
      }
      actual.put(
          m.id,
          new Reconciler.Actual(
              m.id,
              m.instances.stream()
                  .map(i -> new Reconciler.Instance(i.generation, i.state, i.desiredHash))
                  .toList(),
              m.operatorStopped,
              m.tracker.gaveUp(),
              m.tracker.nextAttempt()));
    }
    for (Action a : reconciler.plan(desired, actual, now())) {
      ModelRuntime m = models.get(a.model());
      if (a instanceof Action.Start s) {
        spawn(m, s.reason(), OptionalInt.empty());
      } else if (a instanceof Action.Replace r) {
        replace(m, r);
      } else if (a instanceof Action.Stop s) {
        m.instance(s.generation()).ifPresent(i -> stop(m, i, s.reason()));
      }
    }
  }

  /** Plan hash + file identity + binary + restart nonce: a change means "replace". */
  private Optional<String> desiredHash(ModelRuntime m) {
    try {
      LaunchPlan plan = planner.plan(ModelSpec.of(m.entry), OptionalInt.empty());
      StringBuilder sb = new StringBuilder(plan.planHash());
      m.entry
          .files()
          .forEach(f -> sb.append('|').append(f.size()).append('@').append(f.modified()));
      sb.append('|').append(binary.signature()).append('|').append(m.restartNonce);
      return Optional.of(Integer.toHexString(sb.toString().hashCode()) + "-" + plan.planHash());
    } catch (RuntimeException e) {
      decide(m, Decision.of(ReasonCode.SPAWN_FAILED, "cannot plan: " + e.getMessage(), now()));
      return Optional.empty();
    }
  }

  /**
   * Blue-green when the memory budget allows two copies; otherwise stop the old generation first
   * (the model is briefly unavailable) and start the new one once it is gone.
   */
  private void replace(ModelRuntime m, Action.Replace r) {
    long budget = settings.memoryBudgetBytes();
    if (budget > 0) {
      long inUse =
          models.values().stream()
              .flatMap(x -> x.instances.stream())
              .filter(i -> i.state.isLive())
              .mapToLong(i -> i.plan.memory().totalBytes())
              .sum();
      long needed = planner.plan(ModelSpec.of(m.entry), OptionalInt.empty()).memory().totalBytes();
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
                "stop-then-start", r.oldGeneration(), m.nextGeneration, now(), r.reason(), why);
        decide(m, Decision.of(r.reason(), why, now()));
        m.instance(r.oldGeneration()).ifPresent(i -> stop(m, i, r.reason()));
        return;
      }
    }
    spawn(m, r.reason(), OptionalInt.of(r.oldGeneration()));
  }

  private void spawn(ModelRuntime m, ReasonCode reason, OptionalInt replacing) {
    Optional<String> hash = desiredHash(m);
    if (hash.isEmpty()) {
      return;
    }
    int port;
    try {
      port = ports.allocate();
    } catch (RuntimeException e) {
      decide(m, Decision.of(ReasonCode.PORT_IN_USE, "no free port: " + e.getMessage(), now()));
      return;
    }
    LaunchPlan plan = planner.plan(ModelSpec.of(m.entry), OptionalInt.of(port));
    List<String> argv = new ArrayList<>(plan.argv());
    argv.set(0, binary.path().orElseThrow().toString());
    int generation = m.nextGeneration++;
    LaunchSpec spec =
        new LaunchSpec(m.id + "#" + generation, argv, plan.env(), null, settings.log());
    ManagedProcess process;
    try {
      process = launcher.start(spec);
    } catch (ProcessLaunchException | RuntimeException e) {
      ports.release(port);
      RestartDecision d = m.tracker.onFailure(now(), Duration.ZERO, ReasonCode.SPAWN_FAILED, false);
      decide(
          m,
          Decision.of(
              ReasonCode.SPAWN_FAILED, "cannot start llama-server: " + e.getMessage(), now()));
      if (d.restart()) {
        scheduleReconcileAt(m.tracker.nextAttempt());
      }
      return;
    }
    String host = probeHost(plan);
    InstanceRuntime i =
        new InstanceRuntime(generation, host, port, process, plan, hash.get(), now());
    m.instances.add(i);
    if (replacing.isPresent()) {
      m.rollout =
          new Rollout(
              "starting",
              replacing.getAsInt(),
              generation,
              now(),
              reason,
              "generation " + generation + " loading");
    }
    if (replacing.isPresent()) {
      metrics.restarted(m.id, reason);
    }
    logTransition(
        m,
        i,
        null,
        InstanceState.STARTING,
        reason,
        "pid " + process.pid() + " " + String.join(" ", argv));
    process
        .onExit()
        .whenComplete(
            (st, err) ->
                post(() -> onExit(m.id, generation, st == null ? ExitStatus.unknown() : st)));
    long bytes = m.entry.files().stream().mapToLong(f -> f.size()).sum();
    i.readiness =
        readiness.start(URI.create(i.url()), settings.startupTimeout(bytes), process.onExit());
    i.readiness.result().thenAccept(r -> post(() -> onReadiness(m.id, generation, r)));
    journal.write(models.values());
    publish();
  }

  private static String probeHost(LaunchPlan plan) {
    int at = plan.argv().indexOf("--host");
    String host = at >= 0 && at + 1 < plan.argv().size() ? plan.argv().get(at + 1) : "127.0.0.1";
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  private void startLiveness(ModelRuntime m, InstanceRuntime i) {
    i.liveness =
        new LivenessMonitor(
            URI.create(i.url()), settings.liveness(), health, canary, clock, probes);
    int generation = i.generation;
    i.liveness.start(e -> post(() -> onUnhealthy(m.id, generation, e)));
  }

  private void stop(ModelRuntime m, InstanceRuntime i, ReasonCode reason) {
    if (i.state == InstanceState.STOPPING || !i.state.isLive()) {
      return;
    }
    i.stopWatching();
    i.stopReason = reason;
    transition(
        m,
        i,
        InstanceState.STOPPING,
        reason,
        "SIGTERM, SIGKILL after " + settings.stopGrace().toSeconds() + " s");
    if (m.rollout != null
        && m.rollout.fromGeneration() == i.generation
        && "draining".equals(m.rollout.phase())) {
      m.rollout =
          m.rollout.phase("done", now(), "generation " + i.generation + " drained and stopped");
    }
    i.process.stop(settings.stopGrace());
    publish();
  }

  // ---------------------------------------------------------------- draining

  private void scheduleDrainCheck() {
    state.schedule(this::drainCheck, DRAIN_CHECK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void drainCheck() {
    boolean any = false;
    for (ModelRuntime m : models.values()) {
      for (InstanceRuntime i : List.copyOf(m.instances)) {
        if (i.state != InstanceState.DRAINING) {
          continue;
        }
        any = true;
        Duration drained = Duration.between(i.drainingSince, now());
        if (drained.compareTo(settings.drainTimeout()) >= 0) {
          stop(m, i, m.changeReason);
        } else if (drained.compareTo(settings.drainLinger()) >= 0 && !i.drainProbeInFlight) {
          i.drainProbeInFlight = true;
          slots
              .probe(URI.create(i.url()), Duration.ofSeconds(1))
              .whenComplete(
                  (r, err) ->
                      post(
                          () -> {
                            i.drainProbeInFlight = false;
                            boolean idle = r instanceof SlotsResult.Known k && k.idle();
                            boolean gone = r instanceof SlotsResult.Unavailable;
                            if ((idle || gone) && i.state == InstanceState.DRAINING) {
                              stop(m, i, m.changeReason);
                            }
                          }));
        }
      }
    }
    if (any) {
      scheduleDrainCheck();
    }
  }

  // ---------------------------------------------------------------- publishing and status

  private void publish() {
    routes.publish(RouteView.routes(models.values(), this::modelState));
  }

  String modelState(ModelRuntime m) {
    if (m.entry != null && !m.entry.accepted()) {
      return "rejected";
    }
    if (m.has(InstanceState.READY)) {
      return "ready";
    }
    if (m.operatorStopped) {
      return m.instances.isEmpty() ? "stopped" : "stopping";
    }
    if (!binary.found()) {
      return "unavailable";
    }
    if (m.has(InstanceState.STARTING)) {
      return "starting";
    }
    if (m.tracker.gaveUp()) {
      return "failed";
    }
    if (m.tracker.failures() > 0) {
      return "backoff";
    }
    return m.entry == null ? "removed" : "pending";
  }

  private ModelStatus status(ModelRuntime m) {
    Decision last = m.lastDecision;
    if (last == null && !binary.found() && m.entry != null && m.entry.accepted()) {
      last = Decision.of(ReasonCode.LLAMA_SERVER_NOT_FOUND, binary.notFoundMessage(), now());
    }
    Instant next = m.tracker.nextAttempt();
    return new ModelStatus(
        m.id,
        m.alias(),
        modelState(m),
        m.restarts,
        m.tracker.failures(),
        next.equals(Instant.MIN) || next.equals(Instant.MAX) || next.isBefore(now()) ? null : next,
        m.lastExit,
        last,
        m.rollout,
        m.instances.stream()
            .map(
                i ->
                    new ModelStatus.InstanceStatus(
                        i.generation,
                        i.state.label(),
                        i.process.pid(),
                        i.port,
                        i.url(),
                        i.since,
                        i.started,
                        i.process.adopted(),
                        i.process.argv()))
            .toList(),
        m.entry,
        dryRunPlan(m));
  }

  /** The plan without a port, for the API; null when the model cannot be planned. */
  private LaunchPlan dryRunPlan(ModelRuntime m) {
    if (m.entry == null || !m.entry.accepted()) {
      return null;
    }
    try {
      return planner.plan(ModelSpec.of(m.entry), OptionalInt.empty());
    } catch (RuntimeException e) {
      return null; // desiredHash() records the reason as the model's last decision
    }
  }

  // ---------------------------------------------------------------- helpers

  void transition(
      ModelRuntime m, InstanceRuntime i, InstanceState to, ReasonCode reason, String detail) {
    InstanceState from = i.state;
    if (!from.canMoveTo(to)) {
      LOG.warn("{} generation {}: ignoring illegal move {} -> {}", m.id, i.generation, from, to);
      return;
    }
    i.state = to;
    i.since = now();
    logTransition(m, i, from, to, reason, detail);
    journal.write(models.values());
  }

  private void logTransition(
      ModelRuntime m,
      InstanceRuntime i,
      InstanceState from,
      InstanceState to,
      ReasonCode reason,
      String detail) {
    LOG.info(
        "model={} generation={} port={} {} -> {} reason={} {}",
        m.id,
        i.generation,
        i.port,
        from == null ? "new" : from.label(),
        to.label(),
        reason,
        detail);
  }

  void decide(ModelRuntime m, Decision d) {
    m.lastDecision = d;
  }

  private void scheduleReconcileAt(Instant at) {
    long delay = Math.max(0, Duration.between(now(), at).toMillis());
    state.schedule(this::reconcileSafely, delay, TimeUnit.MILLISECONDS);
  }

  Instant now() {
    return clock.instant();
  }

  private static List<String> tail(List<String> lines, int n) {
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  private void post(Runnable r) {
    if (state.isShutdown()) {
      return;
    }
    try {
      state.execute(
          () -> {
            try {
              r.run();
            } catch (RuntimeException e) {
              LOG.error("supervisor event failed", e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  private <T> T call(Supplier<T> s) {
    try {
      return CompletableFuture.supplyAsync(s, state).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("supervisor did not answer: " + e, e);
    }
  }

  // package-private access for Adopter
  SupervisorSettings settings() {
    return settings;
  }

  ProcessLauncher launcher() {
    return launcher;
  }

  PortAllocator ports() {
    return ports;
  }

  HealthProbe health() {
    return health;
  }

  Map<String, ModelRuntime> modelsById() {
    return models;
  }

  Optional<String> desiredHashOf(ModelRuntime m) {
    return m.entry != null && m.entry.accepted() && binary.found()
        ? desiredHash(m)
        : Optional.empty();
  }

  void watchAdopted(ModelRuntime m, InstanceRuntime i) {
    int generation = i.generation;
    i.process
        .onExit()
        .whenComplete(
            (st, err) ->
                post(() -> onExit(m.id, generation, st == null ? ExitStatus.unknown() : st)));
    if (i.state == InstanceState.READY) {
      startLiveness(m, i);
    }
  }

  LaunchPlan planFor(ModelRuntime m, int port) {
    return planner.plan(ModelSpec.of(m.entry), OptionalInt.of(port));
  }
}
