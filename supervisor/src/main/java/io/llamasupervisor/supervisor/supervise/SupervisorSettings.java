package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.health.LivenessPolicy;
import io.llamasupervisor.process.LogSettings;
import io.llamasupervisor.supervisor.memory.MemorySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the supervisor runs instances. Immutable; built from configuration.
 *
 * @param restart restart policy
 * @param liveness liveness policy (interval, timeout, threshold, optional canary)
 * @param maxConcurrentStarts at most this many models load at the same time (default 2)
 * @param startupTimeoutBase startup deadline for an empty file (default 60 s)
 * @param startupTimeoutPerGib added to the deadline per GiB of model file (default 30 s)
 * @param stopGrace SIGTERM to SIGKILL grace period (default 10 s)
 * @param drainLinger minimum time a drained instance stays after the switch (default 2 s)
 * @param drainTimeout longest drain before an instance is stopped anyway (default 60 s)
 * @param resyncInterval periodic reconcile (default 5 s)
 * @param stateDir where the state file and instance logs live
 * @param log instance log settings (directory inside {@code stateDir})
 * @param keepInstancesOnExit leave instances running on shutdown, for adoption by the next run
 * @param memory the memory budget and how models are admitted and evicted ({@code
 *     supervisor.memory.*})
 */
public record SupervisorSettings(
    RestartPolicy restart,
    LivenessPolicy liveness,
    int maxConcurrentStarts,
    Duration startupTimeoutBase,
    Duration startupTimeoutPerGib,
    Duration stopGrace,
    Duration drainLinger,
    Duration drainTimeout,
    Duration resyncInterval,
    Path stateDir,
    LogSettings log,
    boolean keepInstancesOnExit,
    MemorySettings memory) {

  public SupervisorSettings {
    Objects.requireNonNull(memory, "memory");
    Objects.requireNonNull(restart, "restart");
    Objects.requireNonNull(liveness, "liveness");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(log, "log");
    if (maxConcurrentStarts < 1) {
      throw new IllegalArgumentException(
          "max-concurrent-starts must be at least 1, got " + maxConcurrentStarts);
    }
  }

  public static SupervisorSettings defaults(Path stateDir) {
    return new SupervisorSettings(
        RestartPolicy.DEFAULT,
        LivenessPolicy.DEFAULT,
        2,
        Duration.ofSeconds(60),
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        Duration.ofSeconds(60),
        Duration.ofSeconds(5),
        stateDir,
        LogSettings.defaults(stateDir.resolve("logs")),
        false,
        MemorySettings.defaults());
  }

  /** The startup deadline for a model of {@code bytes} bytes. */
  public Duration startupTimeout(long bytes) {
    double gib = bytes / (double) (1L << 30);
    return startupTimeoutBase.plusMillis((long) (startupTimeoutPerGib.toMillis() * gib));
  }

  public Path stateFile() {
    return stateDir.resolve("state.json");
  }
}
