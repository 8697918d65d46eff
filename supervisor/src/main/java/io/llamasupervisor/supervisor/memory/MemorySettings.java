package io.llamasupervisor.supervisor.memory;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The {@code supervisor.memory.*} settings: which devices are scheduled, their budget, the margin
 * kept free on each, the overhead of one llama-server process on a GPU, and how long a model stays
 * resident at least before it may be evicted. Immutable.
 *
 * @param devices the devices to schedule, lower case ({@code cpu}, {@code cuda0}); empty = {@code
 *     auto}: every device the device reader reports
 * @param budget bytes per device; empty = {@code auto}: what the device reader reports free when
 *     the supervisor starts (no reader, no readings: no budget, memory is not scheduled)
 * @param marginBytes kept free on every device (default 1 GiB)
 * @param processOverheadBytes added to a model's footprint on a GPU device (a CUDA context); null =
 *     {@link #DEFAULT_GPU_OVERHEAD}. Never added on {@code cpu}
 * @param minResidency a model is never evicted sooner than this after its start (default 30 s)
 */
public record MemorySettings(
    List<String> devices,
    Map<String, Long> budget,
    long marginBytes,
    Long processOverheadBytes,
    Duration minResidency) {

  /** The host's memory (system RAM). */
  public static final String CPU = "cpu";

  public static final long DEFAULT_MARGIN = 1L << 30;
  public static final long DEFAULT_GPU_OVERHEAD = 457L << 20;
  public static final Duration DEFAULT_MIN_RESIDENCY = Duration.ofSeconds(30);

  /** How often a start that waits for freed memory looks again. */
  public static final Duration POLL_EVERY = Duration.ofMillis(250);

  /** Longest wait for the memory of evicted models to show as free in the device readings. */
  public static final Duration FREE_WAIT_MAX = Duration.ofSeconds(5);

  public MemorySettings {
    devices = devices.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    Map<String, Long> b = new TreeMap<>();
    budget.forEach((k, v) -> b.put(k.toLowerCase(Locale.ROOT), v));
    budget = Map.copyOf(b);
    if (marginBytes < 0) {
      throw new IllegalArgumentException("margin must not be negative: " + marginBytes);
    }
    if (processOverheadBytes != null && processOverheadBytes < 0) {
      throw new IllegalArgumentException(
          "process-overhead must not be negative: " + processOverheadBytes);
    }
    Objects.requireNonNull(minResidency, "minResidency");
    if (minResidency.isNegative()) {
      throw new IllegalArgumentException("min-residency must not be negative: " + minResidency);
    }
    for (Long v : budget.values()) {
      if (v == null || v < 0) {
        throw new IllegalArgumentException("a budget must not be negative: " + budget);
      }
    }
  }

  /** {@code devices: auto}, {@code budget: auto}, 1 GiB margin, 457 MiB per GPU process, 30 s. */
  public static MemorySettings defaults() {
    return new MemorySettings(List.of(), Map.of(), DEFAULT_MARGIN, null, DEFAULT_MIN_RESIDENCY);
  }

  /** Whether the budget comes from the device readings. */
  public boolean autoBudget() {
    return budget.isEmpty();
  }

  /** The overhead of one process on {@code device}: 0 on {@code cpu}. */
  public long processOverhead(String device) {
    if (CPU.equals(device)) {
      return 0;
    }
    return processOverheadBytes == null ? DEFAULT_GPU_OVERHEAD : processOverheadBytes;
  }

  /** These settings with another budget (tests, and the budget resolved from readings). */
  public MemorySettings withBudget(Map<String, Long> newBudget) {
    return new MemorySettings(devices, newBudget, marginBytes, processOverheadBytes, minResidency);
  }
}
