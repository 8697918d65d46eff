package io.llamasupervisor.api;

import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How far a loading instance is: elapsed time against its startup deadline, and llama-server's own
 * load stage when its log names one ({@link LoadStage}).
 *
 * @param model model id
 * @param generation the loading instance's generation
 * @param startedAt when it was spawned
 * @param elapsedMs milliseconds since then
 * @param timeoutMs the startup deadline's length, or -1 when not known
 * @param deadline when the deadline passes, or null when not known
 * @param stage the load stage, or null when the log names none yet
 */
record LoadProgress(
    String model,
    int generation,
    Instant startedAt,
    long elapsedMs,
    long timeoutMs,
    Instant deadline,
    String stage) {

  /** Lines of the log read for the stage. */
  static final int LOG_LINES = 200;

  /** The progress of {@code m}'s newest starting instance, if one is starting. */
  static Optional<LoadProgress> of(Fleet fleet, ModelStatus m, Instant now) {
    ModelStatus.InstanceStatus starting = null;
    for (ModelStatus.InstanceStatus i : m.instances()) {
      if (i.state().equals("starting")) {
        starting = i;
      }
    }
    if (starting == null) {
      return Optional.empty();
    }
    Instant started = starting.startedAt() != null ? starting.startedAt() : starting.since();
    Optional<Duration> timeout = fleet.startupTimeout(m.id());
    String stage = LoadStage.of(fleet.logs(m.id(), LOG_LINES).orElse(List.of()));
    return Optional.of(
        new LoadProgress(
            m.id(),
            starting.generation(),
            started,
            started == null ? 0 : Math.max(0, Duration.between(started, now).toMillis()),
            timeout.map(Duration::toMillis).orElse(-1L),
            started == null ? null : timeout.map(started::plus).orElse(null),
            stage));
  }

  /** The progress of every starting instance of {@code models}. */
  static List<LoadProgress> all(Fleet fleet, List<ModelStatus> models, Instant now) {
    List<LoadProgress> out = new ArrayList<>();
    for (ModelStatus m : models) {
      of(fleet, m, now).ifPresent(out::add);
    }
    return out;
  }
}
