package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.health.LivenessMonitor;
import io.llamasupervisor.health.ReadinessWait;
import io.llamasupervisor.process.ManagedProcess;
import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import java.time.Instant;

/**
 * One running (or stopping) generation of a model. Mutable; touched only on the supervisor's state
 * thread.
 */
final class InstanceRuntime {
  final int generation;
  final int replica;
  final int port;
  final String host;
  final ManagedProcess process;
  final LaunchPlan plan;
  final String desiredHash;
  final Instant started;

  /**
   * Identity recorded in the state file: captured again once ready, because a wrapper script that
   * {@code exec}s llama-server changes the command line after the spawn.
   */
  ProcessIdentity identity;

  InstanceState state = InstanceState.STARTING;
  Instant since;
  Instant readyAt;
  Instant drainingSince;
  ReasonCode stopReason;
  ReadinessWait.Waiting readiness;
  LivenessMonitor liveness;
  boolean drainProbeInFlight;
  boolean slotsProbeInFlight;
  int slotsIdle = -1;

  /** When the probe of the last slots reading that found every slot idle began; else null. */
  Instant allIdleSince;

  /** The {@link SafeMode} level it was started with (0 = the plan as it is). */
  int safeLevel;

  InstanceRuntime(
      int generation,
      int replica,
      String host,
      int port,
      ManagedProcess process,
      LaunchPlan plan,
      String desiredHash,
      Instant now) {
    this.generation = generation;
    this.replica = replica;
    this.host = host;
    this.port = port;
    this.process = process;
    this.plan = plan;
    this.desiredHash = desiredHash;
    this.started = now;
    this.since = now;
    this.identity = process.identity();
  }

  /** {@code generation 3} or, for a replica other than 0, {@code generation 3 replica 1}. */
  String label() {
    return "generation " + generation + (replica == 0 ? "" : " replica " + replica);
  }

  String url() {
    return "http://" + host + ":" + port;
  }

  void stopWatching() {
    if (readiness != null) {
      readiness.cancel();
    }
    if (liveness != null) {
      liveness.stop();
    }
  }
}
