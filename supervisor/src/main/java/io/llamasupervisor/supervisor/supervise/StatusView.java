package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.launch.LaunchSettings;
import io.llamasupervisor.supervisor.launch.ModelSpec;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;

/**
 * Projects a model onto what the API shows: its one-word state, its {@link ModelStatus} and its
 * output lines. Pure functions of the model, the binary, the planner and the time given.
 */
final class StatusView {
  private StatusView() {}

  /**
   * {@code rejected}, {@code ready}, {@code stopped}/{@code stopping} (operator stop), {@code
   * unavailable} (no binary), {@code idle}/{@code stopping} (on-demand and not wanted yet, or
   * stopped by its ttl), {@code starting}, {@code failed} (gave up), {@code backoff}, {@code
   * removed} or {@code pending}, the first that applies.
   */
  static String modelState(ModelRuntime m, LlamaServerBinary binary) {
    if (m.entry != null && !m.entry.accepted()) {
      return "rejected";
    }
    if (m.has(InstanceState.READY)) {
      return "ready";
    }
    if (m.rejectedReplacement != null) {
      return "rejected";
    }
    if (m.operatorStopped) {
      return m.instances.isEmpty() ? "stopped" : "stopping";
    }
    if (!binary.found()) {
      return "unavailable";
    }
    if (m.idleReason != null) {
      return m.instances.isEmpty() ? "idle" : "stopping";
    }
    if (m.starting()) {
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

  /** The status of {@code m} as of {@code now}. */
  static ModelStatus status(
      ModelRuntime m, LlamaServerBinary binary, LaunchPlanner planner, Instant now) {
    Decision last = m.lastDecision;
    if (last == null && !binary.found() && m.entry != null && m.entry.accepted()) {
      last = Decision.of(ReasonCode.LLAMA_SERVER_NOT_FOUND, binary.notFoundMessage(), now);
    }
    Instant next = m.tracker.nextAttempt();
    LaunchSettings serving = planner.config().settingsFor(m.id);
    return new ModelStatus(
        m.id,
        m.alias(),
        modelState(m, binary),
        m.restarts,
        m.tracker.failures(),
        next.equals(Instant.MIN) || next.equals(Instant.MAX) || next.isBefore(now) ? null : next,
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
                        i.process.argv(),
                        i.replica))
            .toList(),
        m.entry,
        dryRunPlan(m, planner),
        serving.start().label(),
        serving.ttl(),
        serving.replicas(),
        m.safeModeWarning == null ? List.of() : List.of(m.safeModeWarning),
        m.measured().orElse(null));
  }

  /** The plan without a port, for the API; null when the model cannot be planned. */
  static LaunchPlan dryRunPlan(ModelRuntime m, LaunchPlanner planner) {
    if (m.entry == null || !m.entry.accepted()) {
      return null;
    }
    try {
      return planner.plan(ModelSpec.of(m.entry), OptionalInt.empty());
    } catch (RuntimeException e) {
      return null; // FleetState.desiredHash() records the reason as the model's last decision
    }
  }

  /** The newest instance's last {@code n} output lines, else those of the last failure. */
  static List<String> logs(ModelRuntime m, int n) {
    if (!m.instances.isEmpty()) {
      return m.instances.get(m.instances.size() - 1).process.logs().lastLines(n);
    }
    if (m.lastDecision == null) {
      return List.of();
    }
    List<String> lines = m.lastDecision.lastLines();
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }
}
