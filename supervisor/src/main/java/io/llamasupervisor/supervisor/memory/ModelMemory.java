package io.llamasupervisor.supervisor.memory;

import java.time.Instant;

/**
 * The memory of one model as the API shows it.
 *
 * @param estimatedBytes the launch plan's estimate of one instance (0 when it cannot be planned)
 * @param measuredBytes what llama-server reported for its buffers after the last load of the
 *     current plan ({@code measured}'s total); null when not known
 * @param residentBytes the footprint of its live instances, as the budget counts it
 * @param pinned never evicted
 * @param priority lower is evicted first
 * @param waiting what its start waits for (state {@code waiting}, reason {@code NO_MEMORY}); null
 *     when it does not wait
 * @param waitingSince when the wait began; null when it does not wait
 * @param measured the buffers of that load per device and kind (model, KV, compute, output); null
 *     when not known
 */
public record ModelMemory(
    long estimatedBytes,
    Long measuredBytes,
    long residentBytes,
    boolean pinned,
    int priority,
    String waiting,
    Instant waitingSince,
    MeasuredFootprint measured) {
  /** A model nothing is known of. */
  public static final ModelMemory UNKNOWN = new ModelMemory(0, null, 0, false, 0, null, null, null);
}
