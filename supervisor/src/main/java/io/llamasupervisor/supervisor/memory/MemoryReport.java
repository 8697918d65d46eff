package io.llamasupervisor.supervisor.memory;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The memory of the fleet, for {@code GET /api/v1/memory} and the metrics.
 *
 * @param scheduled whether a budget applies (otherwise every start fits and nothing is evicted)
 * @param devices per device: budget, margin, used, free and what the device itself reports
 * @param models per model with live instances or a waiting start: its footprint
 * @param waiting starts that wait for memory, oldest first
 */
public record MemoryReport(
    boolean scheduled, List<Device> devices, List<ModelUse> models, List<WaitingStart> waiting) {
  /** No budget, nothing known. */
  public static final MemoryReport NONE = new MemoryReport(false, List.of(), List.of(), List.of());

  public MemoryReport {
    devices = List.copyOf(devices);
    models = List.copyOf(models);
    waiting = List.copyOf(waiting);
  }

  /**
   * One device.
   *
   * @param budgetBytes the budget (configured, or read at start for {@code auto}); null when the
   *     device has none
   * @param capacityBytes budget − margin: what models may use; null without budget
   * @param usedBytes the footprints of the live instances counted on it
   * @param freeBytes capacity − used (negative when over budget); null without budget
   * @param reportedTotalBytes the device's own total; null when it was not read
   * @param reportedFreeBytes what the device reports free now; null when it was not read
   */
  public record Device(
      String id,
      Long budgetBytes,
      long marginBytes,
      Long capacityBytes,
      long usedBytes,
      Long freeBytes,
      Long reportedTotalBytes,
      Long reportedFreeBytes) {}

  /**
   * The memory one model uses.
   *
   * @param state the model's state
   * @param bytes its live instances' footprint per device
   * @param estimatedBytes the plan's estimate of one instance
   * @param measuredBytes llama-server's own figure after the last load; null when unknown
   * @param instances live instances
   */
  public record ModelUse(
      String model,
      String state,
      Map<String, Long> bytes,
      long estimatedBytes,
      Long measuredBytes,
      int instances) {
    public ModelUse {
      bytes = Map.copyOf(bytes);
    }
  }

  /** A start that waits for memory: what it waits for, since when. */
  public record WaitingStart(String model, String message, Instant since) {}
}
