package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.launch.LaunchSettings;
import io.llamasupervisor.supervisor.launch.ModelSpec;
import io.llamasupervisor.supervisor.state.InstanceRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models the supervisor tracks, its launch configuration, and the primitives every handler
 * changes them through: an instance moves only through {@link #transition}, which refuses illegal
 * moves, logs the move and journals the live instances.
 *
 * <p>State thread only, except the binary and the metrics, which callers may read from any thread.
 */
final class FleetState {
  private static final Logger LOG = LoggerFactory.getLogger(FleetSupervisor.class);

  final SupervisorSettings settings;

  /** Every known model by id, in id order. */
  final Map<String, ModelRuntime> models = new TreeMap<>();

  final InstanceJournal journal;

  /** Listeners of state changes, decisions and rollout phases ({@link Fleet#subscribe}). */
  final FleetEvents events = new FleetEvents();

  private final RoutingRegistry routes;
  private final Clock clock;
  private LaunchPlanner planner;
  private volatile LlamaServerBinary binary;
  private volatile FleetMetrics metrics = FleetMetrics.NONE;
  private volatile Traffic traffic = Traffic.NONE;

  FleetState(
      SupervisorSettings settings,
      LaunchPlanner planner,
      LlamaServerBinary binary,
      RoutingRegistry routes,
      Clock clock) {
    this.settings = settings;
    this.planner = planner;
    this.binary = binary;
    this.routes = routes;
    this.clock = clock;
    this.journal = new InstanceJournal(settings.stateFile());
  }

  Instant now() {
    return clock.instant();
  }

  Clock clock() {
    return clock;
  }

  LaunchPlanner planner() {
    return planner;
  }

  LlamaServerBinary binary() {
    return binary;
  }

  /** Replaces the launch configuration (config reloaded). */
  void configure(LaunchPlanner newPlanner, LlamaServerBinary newBinary) {
    this.planner = newPlanner;
    this.binary = newBinary;
  }

  FleetMetrics metrics() {
    return metrics;
  }

  void metrics(FleetMetrics newMetrics) {
    this.metrics = Objects.requireNonNull(newMetrics, "metrics");
  }

  Traffic traffic() {
    return traffic;
  }

  void traffic(Traffic newTraffic) {
    this.traffic = Objects.requireNonNull(newTraffic, "traffic");
  }

  /** How {@code m} is served: replicas, start mode, ttl (from the launch configuration). */
  LaunchSettings settingsOf(ModelRuntime m) {
    return planner.config().settingsFor(m.id);
  }

  // ---------------------------------------------------------------- models

  /** The model with id {@code id}, tracked from now on if it is new. */
  ModelRuntime track(String id) {
    return models.computeIfAbsent(
        id,
        k ->
            new ModelRuntime(
                k,
                new RestartTracker(
                    settings.restart(), () -> ThreadLocalRandom.current().nextDouble())));
  }

  /** A model by id, else the first whose catalog entry has that alias. */
  Optional<ModelRuntime> find(String idOrAlias) {
    ModelRuntime m = models.get(idOrAlias);
    if (m != null) {
      return Optional.of(m);
    }
    return models.values().stream()
        .filter(r -> idOrAlias.equals(r.alias()) && r.entry != null)
        .findFirst();
  }

  /** Stops tracking {@code m} once its file is gone and no instance of it is left. */
  void forgetIfGone(ModelRuntime m) {
    if (m.entry == null && m.instances.isEmpty()) {
      models.remove(m.id);
    }
  }

  // ---------------------------------------------------------------- changes

  /** Moves {@code i} to {@code to} when its state allows it (logged and journaled); else warns. */
  void transition(
      ModelRuntime m, InstanceRuntime i, InstanceState to, ReasonCode reason, String detail) {
    InstanceState from = i.state;
    if (!from.canMoveTo(to)) {
      LOG.warn("{} {}: ignoring illegal move {} -> {}", m.id, i.label(), from, to);
      return;
    }
    i.state = to;
    i.since = now();
    logTransition(m, i, from, to, reason, detail);
    writeJournal();
  }

  /** Logs a move without making it: a new instance ({@code from} null) or one that is gone. */
  void logTransition(
      ModelRuntime m,
      InstanceRuntime i,
      InstanceState from,
      InstanceState to,
      ReasonCode reason,
      String detail) {
    LOG.info(
        "model={} generation={}{} port={} {} -> {} reason={} {}",
        m.id,
        i.generation,
        i.replica == 0 ? "" : " replica=" + i.replica,
        i.port,
        from == null ? "new" : from.label(),
        to.label(),
        reason,
        detail);
    events.state(m, modelState(m), i.generation, i.port, from, to, reason, detail, now());
  }

  private String modelState(ModelRuntime m) {
    return StatusView.modelState(m, binary);
  }

  /** Records why {@code m} is (not) serving, as of now. */
  void decide(ModelRuntime m, ReasonCode code, String message) {
    decide(m, code, message, List.of());
  }

  /** Records why {@code m} is (not) serving, with the concerned instance's last output lines. */
  void decide(ModelRuntime m, ReasonCode code, String message, List<String> lastLines) {
    m.lastDecision = new Decision(code, message, now(), lastLines);
    events.decision(m, modelState(m), m.lastDecision);
  }

  /** Records of instances not tracked as models yet (adoption candidates); set once. */
  java.util.function.Supplier<List<InstanceRecord>> untracked = List::of;

  /** Mirrors the live instances into the state file (skipped when nothing changed). */
  void writeJournal() {
    journal.write(models.values(), untracked.get());
  }

  /** Publishes the routing table of every accepted model. */
  void publish() {
    routes.publish(RouteView.routes(models.values(), m -> StatusView.modelState(m, binary)));
    models.values().forEach(m -> events.rollout(m, modelState(m)));
  }

  // ---------------------------------------------------------------- plans

  /** The launch plan of {@code m}'s catalog entry; throws when it cannot be planned. */
  LaunchPlan plan(ModelRuntime m, OptionalInt port) {
    return planner.plan(ModelSpec.of(m.entry), port);
  }

  /**
   * The hash of what {@code m} should run, when it may run at all (accepted, binary found);
   * otherwise empty. See {@link #desiredHash}.
   */
  Optional<String> desiredHashOf(ModelRuntime m) {
    return m.entry != null && m.entry.accepted() && binary.found()
        ? desiredHash(m)
        : Optional.empty();
  }

  /**
   * Plan hash + file identity + binary + restart nonce: a change means "replace". Empty when the
   * model cannot be planned, which is recorded as its last decision.
   */
  /** Separates the plan identity from the operator-restart count in a desired hash. */
  static final String NONCE = "#";

  /**
   * The part of a desired hash that identifies the plan, file and binary, without the restart
   * count: what the state file records, so an instance restarted by an operator stays adoptable.
   */
  static String identity(String desiredHash) {
    int at = desiredHash.lastIndexOf(NONCE);
    return at < 0 ? desiredHash : desiredHash.substring(0, at);
  }

  Optional<String> desiredHash(ModelRuntime m) {
    try {
      LaunchPlan plan = plan(m, OptionalInt.empty());
      StringBuilder sb = new StringBuilder(plan.planHash());
      m.entry
          .files()
          .forEach(f -> sb.append('|').append(f.size()).append('@').append(f.modified()));
      sb.append('|').append(binary.signature());
      String identity = Integer.toHexString(sb.toString().hashCode()) + "-" + plan.planHash();
      return Optional.of(identity + NONCE + m.restartNonce);
    } catch (RuntimeException e) {
      decide(m, ReasonCode.SPAWN_FAILED, "cannot plan: " + e.getMessage());
      return Optional.empty();
    }
  }
}
