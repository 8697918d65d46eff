package io.llamasupervisor.supervisor.memory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The memory the models may use, per device: the configured (or read) budget less the margin.
 * Immutable. A device without a budget is not limited; {@link #NONE} limits nothing.
 *
 * @param bytes the budget per device, before the margin
 * @param marginBytes kept free on every device
 */
public record Budget(Map<String, Long> bytes, long marginBytes) {
  /** No budget: every start fits, nothing is evicted. */
  public static final Budget NONE = new Budget(Map.of(), 0);

  public Budget {
    bytes = Map.copyOf(new TreeMap<>(bytes));
  }

  /** Whether any device is limited. */
  public boolean limited() {
    return !bytes.isEmpty();
  }

  /** What models may use on {@code device}: budget − margin (at least 0); unlimited: MAX_VALUE. */
  public long capacity(String device) {
    Long b = bytes.get(device);
    return b == null ? Long.MAX_VALUE : Math.max(0, b - marginBytes);
  }

  /**
   * Where a model's footprint is counted: on {@code cpu} when it offloads no layers ({@code
   * n-gpu-layers} unset or 0), else on the first budgeted GPU device (in id order), else on {@code
   * cpu}.
   */
  public String deviceFor(String nGpuLayers) {
    if (nGpuLayers == null || nGpuLayers.equals("0")) {
      return MemorySettings.CPU;
    }
    return bytes.keySet().stream()
        .filter(d -> !d.equals(MemorySettings.CPU))
        .findFirst()
        .orElse(MemorySettings.CPU);
  }

  /**
   * The budget of {@code settings}: the configured one, or for {@code auto} what {@code readings}
   * report free now plus {@code alreadyUsed} (the footprints of instances that run already, e.g.
   * adopted ones), on the configured devices (every read device for {@code devices: auto}).
   */
  public static Budget of(
      MemorySettings settings, List<Device> readings, Map<String, Long> alreadyUsed) {
    if (!settings.autoBudget()) {
      return new Budget(settings.budget(), settings.marginBytes());
    }
    Map<String, Long> read = new LinkedHashMap<>();
    for (Device r : readings) {
      if (settings.devices().isEmpty() || settings.devices().contains(r.id())) {
        read.put(r.id(), r.freeBytes() + alreadyUsed.getOrDefault(r.id(), 0L));
      }
    }
    return new Budget(read, settings.marginBytes());
  }
}
