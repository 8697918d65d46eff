package io.llamasupervisor.supervisor.supervise;

import java.time.Duration;

/**
 * Events of the supervision core that metrics count. The supervisor calls these on its state
 * thread, so implementations must be fast, thread-safe and must not call back into the {@link
 * Fleet}. Every method defaults to doing nothing; {@link #NONE} ignores everything.
 */
public interface FleetMetrics {
  /** Ignores every event. */
  FleetMetrics NONE = new FleetMetrics() {};

  /**
   * A new generation of {@code model} is being started for {@code reason}: after a failure (e.g.
   * {@link ReasonCode#EXITED}, {@link ReasonCode#HEALTH_TIMEOUT}) or to replace a serving one
   * ({@link ReasonCode#FILE_CHANGED}, {@link ReasonCode#OPERATOR_RESTART}...). Not called for a
   * model's first start.
   */
  default void restarted(String model, ReasonCode reason) {}

  /** Generation {@code generation} of {@code model} became ready {@code startup} after spawn. */
  default void ready(String model, int generation, Duration startup) {}

  /** An instance of {@code model} is being started (every start, replicas and swaps included). */
  default void loaded(String model) {}

  /**
   * {@code model} is stopped to free memory: {@code admission} (room for another start) or {@code
   * out_of_memory} (a load failed for lack of memory and is retried).
   */
  default void evicted(String model, String reason) {}

  /** A start of {@code model} waited {@code waited} for memory before it was admitted. */
  default void memoryWaited(String model, Duration waited) {}
}
