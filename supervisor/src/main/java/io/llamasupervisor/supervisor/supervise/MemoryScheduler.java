package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.memory.Budget;
import io.llamasupervisor.supervisor.memory.Device;
import io.llamasupervisor.supervisor.memory.DeviceReader;
import io.llamasupervisor.supervisor.memory.MeasuredFootprint;
import io.llamasupervisor.supervisor.memory.MemoryPlanner;
import io.llamasupervisor.supervisor.memory.MemoryPlanner.Admission;
import io.llamasupervisor.supervisor.memory.MemoryPlanner.Phase;
import io.llamasupervisor.supervisor.memory.MemoryPlanner.Resident;
import io.llamasupervisor.supervisor.memory.MemoryReport;
import io.llamasupervisor.supervisor.memory.MemorySettings;
import io.llamasupervisor.supervisor.memory.ModelMemory;
import io.llamasupervisor.supervisor.memory.Sizes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits starts into the memory budget ({@code supervisor.memory.*}) and evicts idle models to make
 * room, with the decisions of {@link MemoryPlanner}. Every start passes {@link #admit} (or {@link
 * #admitCopy} for the new generation of a blue-green swap):
 *
 * <ul>
 *   <li>it fits: it starts (and, after an eviction, once the device readings show the memory free,
 *       at most {@link MemorySettings#FREE_WAIT_MAX} after the budget had room);
 *   <li>it would fit after evicting idle models: they drain and stop (reason {@link
 *       ReasonCode#EVICTED}, state {@code idle}: a request starts them again) and the start waits;
 *   <li>nothing can be evicted: a start a request or an operator asked for waits (state {@code
 *       waiting}, reason {@link ReasonCode#NO_MEMORY}, with what it waits for), one nobody asked
 *       for (at boot, after a failure) becomes {@code idle} until a request wants it;
 *   <li>it can never fit: state {@code rejected}, reason {@link ReasonCode#DOES_NOT_FIT}.
 * </ul>
 *
 * <p>A waiting start is looked at again every {@link MemorySettings#POLL_EVERY} (models become
 * evictable when their requests end, which no event reports). Without a budget every start fits.
 * State thread only, except {@link #report} which runs there too.
 */
final class MemoryScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(FleetSupervisor.class);

  private final FleetState state;
  private final InstanceLifecycle lifecycle;
  private final Consumer<Duration> reconcileIn;
  private final java.util.function.BooleanSupplier catalogSettled;
  private final MemorySettings settings;
  private DeviceReader reader = DeviceReader.NONE;
  private Budget budget = Budget.NONE;
  private boolean pollScheduled;

  /**
   * @param reconcileIn runs a reconcile pass after the given delay (a waiting start looks again)
   * @param catalogSettled whether the catalog has seen every file of the models directory: until
   *     then starts nobody asked for wait, so that they are admitted in order of priority
   */
  MemoryScheduler(
      FleetState state,
      InstanceLifecycle lifecycle,
      Consumer<Duration> reconcileIn,
      java.util.function.BooleanSupplier catalogSettled) {
    this.state = state;
    this.lifecycle = lifecycle;
    this.reconcileIn = reconcileIn;
    this.catalogSettled = catalogSettled;
    this.settings = state.settings.memory();
  }

  /**
   * Where device memory is read (default {@link DeviceReader#NONE}); set before {@link #resolve}.
   */
  void reader(DeviceReader newReader) {
    this.reader = newReader;
  }

  /** Fixes the budget: the configured one, or for {@code auto} what the devices report free now. */
  void resolve() {
    budget = Budget.of(settings, settings.autoBudget() ? read() : List.of(), usedNow());
    if (budget.limited()) {
      LOG.info(
          "memory budget {} (margin {} per device, min-residency {} s)",
          describe(budget.bytes()),
          Sizes.human(budget.marginBytes()),
          settings.minResidency().toSeconds());
    } else {
      LOG.info("no memory budget: every model starts, none is evicted for memory");
    }
  }

  boolean enabled() {
    return budget.limited();
  }

  // ---------------------------------------------------------------- admission

  /**
   * Whether a new instance of {@code m} may be spawned now. When not, the model waits, is idle, or
   * is rejected, as described above, and the reason is its last decision.
   */
  boolean admit(ModelRuntime m) {
    if (!enabled()) {
      state.metrics().loaded(m.id);
      return true;
    }
    if (!m.memoryWanted && !catalogSettled.getAsBoolean()) {
      schedulePoll(); // every model known first: then the start slots go by priority
      return false;
    }
    Optional<Map<String, Long>> need = need(m);
    if (need.isEmpty()) {
      return true; // cannot be planned: the spawn records why
    }
    Admission a =
        MemoryPlanner.admit(
            m.id, need.get(), budget, residents(), state.now(), settings.minResidency());
    if (a instanceof MemoryPlanner.NeverFits nf) {
      endWait(m, false);
      if (m.doesNotFit == null) {
        m.doesNotFit = nf.message();
        state.decide(
            m, ReasonCode.DOES_NOT_FIT, "can never fit the memory budget: " + nf.message());
        LOG.warn("model={} does not fit the memory budget: {}", m.id, nf.message());
      }
      return false;
    }
    m.doesNotFit = null;
    if (a instanceof MemoryPlanner.Fits) {
      if (m.awaitsFreedMemory && !freedMemoryShows(m, need.get())) {
        waitFor(m, "waits for the memory of evicted models to show as free on the device");
        return false;
      }
      endWait(m, true);
      m.memoryWanted = false;
      state.metrics().loaded(m.id);
      return true;
    }
    if (!m.memoryWanted) {
      endWait(m, false);
      m.idleReason = ReasonCode.NO_MEMORY;
      state.decide(
          m,
          ReasonCode.NO_MEMORY,
          "no room in the memory budget: starts when a request wants it; " + a.message());
      return false;
    }
    if (a instanceof MemoryPlanner.Evict e) {
      for (String victim : e.victims()) {
        evict(victim, "to make room for " + m.id, "admission");
      }
      m.awaitsFreedMemory = true;
      m.freedAt = null;
    }
    waitFor(m, a.message());
    return false;
  }

  /** What a blue-green swap may do for the new generation of {@code m}. */
  enum Copy {
    /** Both copies fit: start the new one next to the old one. */
    BLUE_GREEN,
    /** Idle models are being evicted to make room for both: plan the swap again later. */
    LATER,
    /** Two copies do not fit: stop the old generation first. */
    STOP_FIRST
  }

  /** Whether a second copy of {@code m} fits for a blue-green swap (evicting idle models). */
  Copy admitCopy(ModelRuntime m) {
    if (!enabled()) {
      state.metrics().loaded(m.id);
      return Copy.BLUE_GREEN;
    }
    Optional<Map<String, Long>> need = need(m);
    if (need.isEmpty()) {
      return Copy.BLUE_GREEN;
    }
    Admission a =
        MemoryPlanner.admit(
            m.id, need.get(), budget, residents(), state.now(), settings.minResidency());
    if (a instanceof MemoryPlanner.Fits) {
      if (m.awaitsFreedMemory && !freedMemoryShows(m, need.get())) {
        schedulePoll();
        return Copy.LATER;
      }
      m.awaitsFreedMemory = false;
      state.metrics().loaded(m.id);
      return Copy.BLUE_GREEN;
    }
    if (a instanceof MemoryPlanner.Evict e) {
      for (String victim : e.victims()) {
        evict(victim, "to make room for a second copy of " + m.id, "admission");
      }
      m.awaitsFreedMemory = true;
      m.freedAt = null;
      schedulePoll();
      return Copy.LATER;
    }
    if (a instanceof MemoryPlanner.Wait w && w.forLeaving()) {
      schedulePoll(); // evicted models are still leaving
      return Copy.LATER;
    }
    return Copy.STOP_FIRST;
  }

  /**
   * A start of {@code m} failed for lack of memory while loading: evicts one more idle model (if
   * any) and lets the start be tried once more. Returns false when it was tried once already.
   */
  boolean retryAfterOutOfMemory(ModelRuntime m) {
    if (!enabled() || m.oomRetried) {
      m.oomRetried = false;
      return false;
    }
    m.oomRetried = true;
    m.memoryWanted = true;
    Optional<String> victim =
        MemoryPlanner.oneMoreVictim(m.id, residents(), state.now(), settings.minResidency());
    victim.ifPresent(
        v -> evict(v, "after " + m.id + " ran out of memory loading", "out_of_memory"));
    if (victim.isPresent()) {
      m.awaitsFreedMemory = true;
      m.freedAt = null;
    }
    state.decide(
        m,
        ReasonCode.OUT_OF_MEMORY,
        "out of memory while loading: "
            + victim.map(v -> "evicted " + v + ", ").orElse("nothing to evict, ")
            + "retrying once");
    return true;
  }

  /** The model's start was admitted or is no longer wanted: the wait ends. */
  private void endWait(ModelRuntime m, boolean admitted) {
    if (m.memoryWaitSince != null && admitted) {
      state.metrics().memoryWaited(m.id, Duration.between(m.memoryWaitSince, state.now()));
    }
    m.memoryWait = null;
    m.memoryWaitSince = null;
    m.awaitsFreedMemory = false;
    m.freedAt = null;
  }

  /** Cancels any wait of {@code m} (unloaded, stopped). */
  void cancel(ModelRuntime m) {
    endWait(m, false);
    m.memoryWanted = false;
  }

  private void waitFor(ModelRuntime m, String message) {
    if (m.memoryWaitSince == null) {
      m.memoryWaitSince = state.now();
    }
    if (!message.equals(m.memoryWait)) {
      m.memoryWait = message;
      state.decide(m, ReasonCode.NO_MEMORY, message);
    }
    schedulePoll();
  }

  private void schedulePoll() {
    if (!pollScheduled) {
      pollScheduled = true;
      reconcileIn.accept(MemorySettings.POLL_EVERY);
    }
  }

  /** The poll ran (a reconcile pass follows). */
  void polled() {
    pollScheduled = false;
  }

  private void evict(String id, String why, String reason) {
    ModelRuntime v = state.models.get(id);
    if (v == null) {
      return;
    }
    v.idleReason = ReasonCode.EVICTED;
    v.changeReason = ReasonCode.EVICTED;
    String message = "evicted " + why + ": drains, then stops; a request starts it again";
    state.decide(v, ReasonCode.EVICTED, message);
    LOG.info("model={} {}", v.id, message);
    state.metrics().evicted(v.id, reason);
    lifecycle.drainAll(v, ReasonCode.EVICTED, message);
  }

  /**
   * Whether the devices show the memory free that an eviction freed (always, without readings);
   * gives up waiting {@link MemorySettings#FREE_WAIT_MAX} after the budget had room.
   */
  private boolean freedMemoryShows(ModelRuntime m, Map<String, Long> need) {
    Instant now = state.now();
    if (m.freedAt == null) {
      m.freedAt = now;
    }
    if (!now.isBefore(m.freedAt.plus(MemorySettings.FREE_WAIT_MAX))) {
      return true;
    }
    List<Device> readings = read();
    for (Map.Entry<String, Long> e : need.entrySet()) {
      for (Device r : readings) {
        if (r.id().equals(e.getKey()) && r.freeBytes() < e.getValue()) {
          return false;
        }
      }
    }
    return true;
  }

  private List<Device> read() {
    try {
      return reader.read();
    } catch (RuntimeException e) {
      LOG.warn("cannot read device memory: {}", e.toString());
      return List.of();
    }
  }

  // ---------------------------------------------------------------- footprints

  /**
   * The bytes one instance of {@code m} with {@code plan} holds: the buffers llama-server logged at
   * the last load of this same plan ({@code -lv 4}) once known, else the plan's estimate (weights,
   * KV cache, compute and output buffers).
   */
  static long instanceBytes(ModelRuntime m, LaunchPlan plan) {
    return m.measuredFor(plan.planHash())
        .map(MeasuredFootprint::totalBytes)
        .orElse(plan.memory().totalBytes());
  }

  /** The footprint per device of one instance of {@code m} with {@code plan}. */
  private Map<String, Long> footprint(ModelRuntime m, LaunchPlan plan) {
    String device = budget.deviceFor(state.settingsOf(m).nGpuLayers());
    return Map.of(device, instanceBytes(m, plan) + settings.processOverhead(device));
  }

  private Optional<Map<String, Long>> need(ModelRuntime m) {
    try {
      return Optional.of(footprint(m, state.plan(m, OptionalInt.empty())));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Every live instance and every spawn in progress, with its footprint and traffic. */
  List<Resident> residents() {
    List<Resident> out = new ArrayList<>();
    Traffic traffic = state.traffic();
    for (ModelRuntime m : state.models.values()) {
      boolean pinned = m.entry != null && state.settingsOf(m).pinned();
      int priority = m.entry != null ? state.settingsOf(m).priority() : 0;
      int queued = traffic.queued(m.id);
      Instant last = traffic.lastActive(m.id).orElse(null);
      for (InstanceRuntime i : m.instances) {
        if (!i.state.isLive()) {
          continue;
        }
        Phase phase =
            switch (i.state) {
              case STARTING -> Phase.LOADING;
              case READY -> Phase.SERVING;
              default -> Phase.LEAVING;
            };
        Instant active = latest(last, i.readyAt, m.demandedAt);
        out.add(
            new Resident(
                m.id,
                footprint(m, i.plan),
                phase,
                pinned,
                priority,
                traffic.inFlight(i.url()),
                queued,
                i.started,
                active));
      }
      if (!m.spawning.isEmpty()) {
        Optional<Map<String, Long>> need = need(m);
        for (int n = 0; n < m.spawning.size() && need.isPresent(); n++) {
          out.add(
              new Resident(
                  m.id, need.get(), Phase.LOADING, pinned, priority, 0, queued, state.now(), null));
        }
      }
    }
    return out;
  }

  private static Instant latest(Instant... times) {
    Instant best = null;
    for (Instant t : times) {
      if (t != null && (best == null || t.isAfter(best))) {
        best = t;
      }
    }
    return best;
  }

  private Map<String, Long> usedNow() {
    return MemoryPlanner.used(residents());
  }

  // ---------------------------------------------------------------- views

  /** The memory view of {@code m} for its status. */
  ModelMemory of(ModelRuntime m) {
    long estimate = 0;
    try {
      estimate =
          m.entry != null && m.entry.accepted()
              ? state.plan(m, OptionalInt.empty()).memory().totalBytes()
              : 0;
    } catch (RuntimeException e) {
      estimate = 0;
    }
    long resident =
        m.instances.stream()
            .filter(i -> i.state.isLive())
            .mapToLong(i -> footprint(m, i.plan).values().stream().mapToLong(Long::longValue).sum())
            .sum();
    boolean pinned = m.entry != null && state.settingsOf(m).pinned();
    int priority = m.entry != null ? state.settingsOf(m).priority() : 0;
    MeasuredFootprint measured = m.measured().orElse(null);
    return new ModelMemory(
        estimate,
        measured == null ? null : measured.totalBytes(),
        resident,
        pinned,
        priority,
        m.memoryWait,
        m.memoryWaitSince,
        measured);
  }

  /** The budget, its use per device and model, and the waiting starts. */
  MemoryReport report() {
    List<Resident> residents = residents();
    Map<String, Long> used = MemoryPlanner.used(residents);
    Map<String, Device> readings = new TreeMap<>();
    read().forEach(r -> readings.put(r.id(), r));
    TreeSet<String> devices = new TreeSet<>(budget.bytes().keySet());
    devices.addAll(used.keySet());
    devices.addAll(readings.keySet());
    List<MemoryReport.Device> out = new ArrayList<>();
    for (String d : devices) {
      Long b = budget.bytes().get(d);
      Long cap = b == null ? null : budget.capacity(d);
      long u = used.getOrDefault(d, 0L);
      Device r = readings.get(d);
      out.add(
          new MemoryReport.Device(
              d,
              b,
              budget.marginBytes(),
              cap,
              u,
              cap == null ? null : cap - u,
              r == null ? null : r.totalBytes(),
              r == null ? null : r.freeBytes()));
    }
    Map<String, Map<String, Long>> byModel = new TreeMap<>();
    Map<String, Integer> count = new HashMap<>();
    for (Resident r : residents) {
      Map<String, Long> bytes = byModel.computeIfAbsent(r.model(), k -> new TreeMap<>());
      r.bytes().forEach((d, x) -> bytes.merge(d, x, Long::sum));
      count.merge(r.model(), 1, Integer::sum);
    }
    List<MemoryReport.ModelUse> models = new ArrayList<>();
    List<MemoryReport.WaitingStart> waiting = new ArrayList<>();
    for (ModelRuntime m : state.models.values()) {
      if (byModel.containsKey(m.id) || m.memoryWait != null) {
        models.add(
            new MemoryReport.ModelUse(
                m.id,
                StatusView.modelState(m, state.binary()),
                byModel.getOrDefault(m.id, Map.of()),
                of(m).estimatedBytes(),
                m.measured().map(MeasuredFootprint::totalBytes).orElse(null),
                count.getOrDefault(m.id, 0)));
      }
      if (m.memoryWait != null) {
        waiting.add(new MemoryReport.WaitingStart(m.id, m.memoryWait, m.memoryWaitSince));
      }
    }
    waiting.sort(Comparator.comparing(MemoryReport.WaitingStart::since));
    return new MemoryReport(enabled(), out, models, waiting);
  }

  private static String describe(Map<String, Long> bytes) {
    List<String> parts = new ArrayList<>();
    bytes.forEach((d, b) -> parts.add(d + " " + Sizes.human(b)));
    return String.join(", ", parts);
  }
}
