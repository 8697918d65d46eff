package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.health.HealthProbe;
import io.llamasupervisor.health.LivenessMonitor;
import io.llamasupervisor.health.PollSchedule;
import io.llamasupervisor.health.ReadinessResult;
import io.llamasupervisor.health.ReadinessWait;
import io.llamasupervisor.health.SlotsProbe;
import io.llamasupervisor.health.UnhealthyEvent;
import io.llamasupervisor.process.ExitStatus;
import io.llamasupervisor.process.LogSettings;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.supervisor.memory.MeasuredFootprint;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Watches and stops instances, and turns what they do into state:
 *
 * <ul>
 *   <li>ready: READY with liveness watched; an older READY generation starts DRAINING ({@link
 *       Drainer});
 *   <li>readiness timeout, unhealthy, unexpected exit: a failure counted by the restart policy;
 *   <li>exit after {@link #stop}: the stop is complete.
 * </ul>
 *
 * <p>State thread only. Exits and readiness and liveness results come back as posted events, which
 * are dropped when their instance is no longer tracked.
 */
final class InstanceLifecycle {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FleetSupervisor.class);
  private static final int LAST_LINES = 20;

  /**
   * Readiness polls: every 10 ms during the first 50 ms (a tiny model's llama-server listens 15-30
   * ms after its start; with a 50 ms first poll an on-demand start waited about 35 ms for it, see
   * {@code bench/on-demand-bench.sh}), then every 50 ms growing 2 % per poll, so readiness is seen
   * within about 100 ms during the first seconds of loading (where small models become ready) and
   * the poll rate backs off to every 500 ms for long loads.
   */
  static final PollSchedule READINESS_POLLS =
      new PollSchedule(Duration.ofMillis(50), 1.02, Duration.ofMillis(500))
          .withQuickStart(Duration.ofMillis(10));

  private final FleetState state;
  private final StateThread thread;
  private final PortAllocator ports;
  private final HealthProbe health;
  private final HealthProbe canary;
  private final ScheduledExecutorService probes;
  private final ReadinessWait readiness;
  private final Drainer drainer;
  private final Runnable reconcile;
  private final Consumer<Instant> reconcileAt;
  private MemoryScheduler memory;

  /**
   * @param reconcile runs a reconcile pass now (after an exit or an unhealthy instance)
   * @param reconcileAt runs a reconcile pass at the given instant (a restart after backoff)
   * @param probes where readiness and liveness probes are scheduled (with {@code state}'s clock)
   */
  InstanceLifecycle(
      FleetState state,
      StateThread thread,
      PortAllocator ports,
      HealthProbe health,
      HealthProbe canary,
      SlotsProbe slots,
      Runnable reconcile,
      Consumer<Instant> reconcileAt,
      ScheduledExecutorService probes) {
    this.probes = probes;
    this.state = state;
    this.thread = thread;
    this.ports = ports;
    this.health = health;
    this.canary = canary;
    this.reconcile = reconcile;
    this.reconcileAt = reconcileAt;
    this.readiness =
        new ReadinessWait(
            health, state.clock(), probes, READINESS_POLLS, ReadinessWait.DEFAULT_PROBE_TIMEOUT);
    this.drainer = new Drainer(state, thread, slots, (m, i) -> stop(m, i, m.changeReason));
  }

  /** The memory scheduler: a load that ran out of memory is retried once after an eviction. */
  void memory(MemoryScheduler scheduler) {
    this.memory = scheduler;
  }

  /**
   * Watches a new or adopted instance: its exit, and its readiness while STARTING or its liveness
   * once READY.
   */
  void watch(ModelRuntime m, InstanceRuntime i) {
    i.process
        .onExit()
        .whenComplete(
            (st, err) ->
                postTo(m, i, (mm, ii) -> onExit(mm, ii, st == null ? ExitStatus.unknown() : st)));
    if (i.state == InstanceState.STARTING) {
      long bytes = m.entry.files().stream().mapToLong(f -> f.size()).sum();
      i.readiness =
          readiness.start(
              URI.create(i.url()), state.settings.startupTimeout(bytes), i.process.onExit());
      i.readiness.result().thenAccept(r -> postTo(m, i, (mm, ii) -> onReadiness(mm, ii, r)));
    } else if (i.state == InstanceState.READY) {
      startLiveness(m, i);
    }
  }

  private void startLiveness(ModelRuntime m, InstanceRuntime i) {
    i.liveness =
        new LivenessMonitor(
            URI.create(i.url()), state.settings.liveness(), health, canary, state.clock(), probes);
    i.liveness.start(e -> postTo(m, i, (mm, ii) -> onUnhealthy(mm, ii, e)));
  }

  /** SIGTERM, SIGKILL after the grace period; nothing when already stopping or gone. */
  void stop(ModelRuntime m, InstanceRuntime i, ReasonCode reason) {
    if (i.state == InstanceState.STOPPING || !i.state.isLive()) {
      return;
    }
    i.stopWatching();
    i.stopReason = reason;
    state.transition(
        m,
        i,
        InstanceState.STOPPING,
        reason,
        "SIGTERM, SIGKILL after " + state.settings.stopGrace().toSeconds() + " s");
    if (m.rollout != null
        && m.rollout.fromGeneration() == i.generation
        && "draining".equals(m.rollout.phase())
        && m.instances.stream()
            .noneMatch(
                o ->
                    o != i
                        && (o.state == InstanceState.DRAINING
                            || o.state == InstanceState.STARTING))) {
      m.rollout = m.rollout.phase("done", state.now(), i.label() + " drained and stopped");
    }
    i.process.stop(state.settings.stopGrace());
    state.publish();
  }

  /**
   * Takes every ready instance of {@code m} out of service: it drains (no new traffic for anyone
   * who follows the table) and is stopped when its requests are done, like a replaced generation.
   */
  void drainAll(ModelRuntime m, ReasonCode reason, String detail) {
    for (InstanceRuntime i : m.instances) {
      if (i.state == InstanceState.READY) {
        i.drainingSince = state.now();
        i.stopWatching();
        state.transition(m, i, InstanceState.DRAINING, reason, detail);
      }
    }
    state.publish();
    drainer.schedule();
  }

  /** Stops watching every instance and, unless they are kept, stops them; returns their exits. */
  List<CompletableFuture<ExitStatus>> stopAllForShutdown() {
    List<CompletableFuture<ExitStatus>> all = new ArrayList<>();
    for (ModelRuntime m : state.models.values()) {
      for (InstanceRuntime i : m.instances) {
        i.stopWatching();
        if (state.settings.keepInstancesOnExit()) {
          continue;
        }
        i.stopReason = ReasonCode.SHUTDOWN;
        state.transition(m, i, InstanceState.STOPPING, ReasonCode.SHUTDOWN, "shutting down");
        all.add(i.process.stop(state.settings.stopGrace()));
      }
    }
    return all;
  }

  /** Refreshes the idle-slot counts of ready instances for the routing table. */
  void refreshSlots() {
    drainer.refreshSlots();
  }

  /** Stops the readiness and liveness probes. */
  void close() {
    probes.shutdownNow();
  }

  // ---------------------------------------------------------------- events

  /**
   * Posts {@code event} for instance {@code i} of {@code m}; on the state thread it runs against
   * the tracked model and instance of the same id and generation, if there still are any.
   */
  private void postTo(
      ModelRuntime m, InstanceRuntime i, BiConsumer<ModelRuntime, InstanceRuntime> event) {
    String model = m.id;
    int generation = i.generation;
    int replica = i.replica;
    thread.post(
        () -> {
          ModelRuntime tracked = state.models.get(model);
          if (tracked != null) {
            tracked.instance(generation, replica).ifPresent(found -> event.accept(tracked, found));
          }
        });
  }

  private void onReadiness(ModelRuntime m, InstanceRuntime i, ReadinessResult result) {
    if (i.state != InstanceState.STARTING) {
      return;
    }
    if (result instanceof ReadinessResult.Ready ready) {
      onReady(m, i, ready.elapsed());
    } else if (result instanceof ReadinessResult.TimedOut timedOut) {
      List<String> lines = i.process.logs().lastLines(LAST_LINES);
      failed(m, i, ReasonCode.HEALTH_TIMEOUT, timedOut.message(), lines, false);
      stop(m, i, ReasonCode.HEALTH_TIMEOUT);
    } else {
      return; // Exited and Cancelled: the exit handler decides
    }
    // the instance no longer holds a start slot: the next pending model starts now, not at the
    // next resync
    reconcile.run();
  }

  /** Switches to the ready generation and drains the older serving ones of the same replica. */
  private void onReady(ModelRuntime m, InstanceRuntime i, Duration elapsed) {
    i.readyAt = state.now();
    m.oomRetried = false;
    i.identity = ProcessIdentity.capture(i.process.pid()).orElse(i.identity);
    if (i.safeLevel > 0) {
      m.safeModeWarning =
          "started in safe mode: "
              + SafeMode.describe(i.safeLevel)
              + " (after "
              + (m.lastExit == null ? "a crash" : m.lastExit)
              + " while loading); set `"
              + SafeMode.howToKeep(i.safeLevel)
              + "` to keep it";
      LOG.warn("model={} {}: {}", m.id, i.label(), m.safeModeWarning);
    } else {
      m.safeModeWarning = null;
    }
    measure(m, i);
    state.metrics().ready(m.id, i.generation, Duration.between(i.started, i.readyAt));
    state.transition(
        m, i, InstanceState.READY, ReasonCode.READY, "ready after " + elapsed.toMillis() + " ms");
    startLiveness(m, i);
    for (InstanceRuntime old : m.instances) {
      if (old != i && old.replica == i.replica && old.state == InstanceState.READY) {
        old.drainingSince = state.now();
        old.stopWatching();
        state.transition(
            m, old, InstanceState.DRAINING, m.changeReason, "replaced by " + i.label());
      }
    }
    if (m.rollout != null && m.rollout.toGeneration() == i.generation) {
      boolean drains = m.has(InstanceState.DRAINING) || m.has(InstanceState.STARTING);
      m.rollout =
          m.rollout.phase(drains ? "draining" : "done", state.now(), i.label() + " serving");
    }
    state.publish();
    drainer.schedule();
  }

  /**
   * Reads the buffer sizes the instance logged while loading ({@code -lv 4}) from its in-memory log
   * and records them as the model's measured footprint; a load that logged none leaves the last
   * measurement in place.
   */
  private void measure(ModelRuntime m, InstanceRuntime i) {
    Optional<MeasuredFootprint> f =
        MeasuredFootprint.parse(i.process.logs().lastLines(LogSettings.DEFAULT_MAX_LINES));
    if (f.isEmpty()) {
      LOG.debug("model={} {}: no buffer sizes in its log (verbosity below 4?)", m.id, i.label());
      return;
    }
    m.measured(f.get(), i.plan.planHash());
    LOG.info(
        "model={} {}: measured footprint {} MiB (estimate {} MiB) {}",
        m.id,
        i.label(),
        f.get().totalBytes() >> 20,
        i.plan.memory().totalBytes() >> 20,
        f.get().perDevice());
  }

  private void onExit(ModelRuntime m, InstanceRuntime i, ExitStatus status) {
    i.stopWatching();
    ports.release(i.port);
    m.instances.remove(i);
    List<String> lines = i.process.logs().lastLines(LAST_LINES);
    if (i.state == InstanceState.STOPPING || i.state == InstanceState.FAILED) {
      state.logTransition(m, i, i.state, InstanceState.STOPPED, i.stopReason, status.describe());
    } else if (i.state == InstanceState.DRAINING) {
      // crash while draining: only its own in-flight requests fail; the new generation serves
      state.logTransition(
          m, i, i.state, InstanceState.STOPPED, ReasonCode.EXITED, status.describe());
    } else {
      ReasonCode reason =
          status.signal().isPresent()
              ? ReasonCode.KILLED
              : FailureClassifier.classify(status.code().orElse(-1), lines);
      String explain = FailureClassifier.explain(lines);
      String message = status.describe() + (explain.isEmpty() ? "" : ": " + explain);
      m.lastExit = status.describe();
      if (SafeMode.isCrash(status.signal())
          && i.readyAt == null
          && i.safeLevel < SafeMode.MAX_LEVEL) {
        // a crash while loading: the next start tries conservative flags
        m.safeLevel = i.safeLevel + 1;
        m.safeHash = i.desiredHash;
        message += "; next start in safe mode (" + SafeMode.describe(m.safeLevel) + ")";
      }
      if (i.readyAt == null
          && memory != null
          && memory.enabled()
          && FailureClassifier.outOfMemory(lines)) {
        outOfMemory(m, i, message, lines);
      } else {
        failed(m, i, reason, message, lines, reason == ReasonCode.LOAD_FAILED);
        state.logTransition(m, i, i.state, InstanceState.FAILED, reason, message);
      }
    }
    state.forgetIfGone(m);
    state.writeJournal();
    state.publish();
    reconcile.run();
  }

  /**
   * A load that failed for lack of memory, with a budget: one more idle model is evicted and the
   * start tried once more; the second time the model is {@code failed} (reason {@link
   * ReasonCode#OUT_OF_MEMORY}).
   */
  private void outOfMemory(ModelRuntime m, InstanceRuntime i, String message, List<String> lines) {
    if (memory.retryAfterOutOfMemory(m)) {
      m.changeReason = ReasonCode.OUT_OF_MEMORY;
      state.logTransition(m, i, i.state, InstanceState.FAILED, ReasonCode.OUT_OF_MEMORY, message);
      return;
    }
    m.tracker.onFailure(state.now(), Duration.ZERO, ReasonCode.OUT_OF_MEMORY, true);
    state.decide(
        m,
        ReasonCode.OUT_OF_MEMORY,
        "will not retry: out of memory while loading, also after evicting one more model: "
            + message,
        lines);
    state.logTransition(m, i, i.state, InstanceState.FAILED, ReasonCode.OUT_OF_MEMORY, message);
  }

  private void onUnhealthy(ModelRuntime m, InstanceRuntime i, UnhealthyEvent event) {
    if (i.state != InstanceState.READY) {
      return;
    }
    List<String> lines = i.process.logs().lastLines(LAST_LINES);
    state.transition(m, i, InstanceState.UNHEALTHY, ReasonCode.UNHEALTHY, event.toString());
    failed(m, i, ReasonCode.UNHEALTHY, event.toString(), lines, false);
    state.publish();
    reconcile.run();
  }

  /**
   * Records a failure with the restart policy and the rollout: a new generation failing next to a
   * serving one fails only the rollout; otherwise a restart is scheduled (the generation it starts
   * carries {@code reason}, the failure's own, as the metric of restarts does) or the policy gives
   * up.
   */
  private void failed(
      ModelRuntime m,
      InstanceRuntime i,
      ReasonCode reason,
      String message,
      List<String> lines,
      boolean permanent) {
    Duration ranFor = Duration.between(i.readyAt == null ? state.now() : i.readyAt, state.now());
    boolean rolloutFailed =
        m.rollout != null
            && m.rollout.toGeneration() == i.generation
            && m.has(i.replica, InstanceState.READY)
            && i.state == InstanceState.STARTING;
    RestartDecision d = m.tracker.onFailure(state.now(), ranFor, reason, permanent);
    if (rolloutFailed) {
      m.rollout = m.rollout.phase("failed", state.now(), reason + ": " + message);
      state.decide(
          m, reason, "rollout failed, previous generation keeps serving: " + message, lines);
    } else if (d.restart()) {
      m.restarts++;
      m.changeReason = reason; // the restarted generation starts because of this failure
      state.metrics().restarted(m.id, reason);
      state.decide(
          m,
          reason,
          message + "; restart " + d.failures() + " in " + d.delay().toMillis() + " ms",
          lines);
    } else {
      state.decide(
          m,
          d.reason(),
          (d.reason() == ReasonCode.CRASH_LOOP
                  ? "gave up after " + d.failures() + " failures in a row; last: "
                  : "will not retry: ")
              + message,
          lines);
    }
    if (d.restart()) {
      reconcileAt.accept(m.tracker.nextAttempt());
    }
  }
}
