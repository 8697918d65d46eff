package io.llamasupervisor.supervisor.memory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory one llama-server allocated, as it logs it at verbosity 4 ({@code -lv 4}) while
 * loading, per device and kind of buffer:
 *
 * <pre>
 * load_tensors:   CPU_Mapped model buffer size =     0.81 MiB
 * llama_context:        CPU  output buffer size =     0.01 MiB
 * llama_kv_cache:        CPU KV buffer size =     0.27 MiB
 * sched_reserve:        CPU compute buffer size =     3.01 MiB
 * </pre>
 *
 * <p>Buffer-type names map to devices: {@code CPU}, {@code CPU_Mapped}, {@code CPU_REPACK}, the CPU
 * backend's other extra buffers ({@code AMX}, {@code KLEIDIAI}) and every host buffer ({@code
 * CUDA_Host}, {@code Vulkan_Host}...) are {@code cpu}; a device buffer is its device lower-cased
 * without a {@code _Mapped}/{@code _Private}/{@code _Split} suffix ({@code CUDA0} → {@code cuda0},
 * {@code MTL0_Mapped} → {@code mtl0}). Recurrent-state buffers ({@code RS buffer size}) count as
 * KV. Sizes are logged in MiB with two decimals, so each figure is exact to about 5 KiB. The
 * weights of a memory-mapped model ({@code CPU_Mapped}) are page cache: they count fully, although
 * the kernel may share or drop pages.
 *
 * @param totalBytes the sum over every device and kind
 * @param devices bytes per device id, ids sorted
 */
public record MeasuredFootprint(long totalBytes, Map<String, BufferBytes> devices) {
  private static final double MIB = 1024.0 * 1024.0;
  private static final Pattern BUFFER_LINE =
      Pattern.compile("\\s(\\S+)\\s+(model|KV|RS|output|compute) buffer size =\\s*([0-9.]+) MiB");
  private static final Pattern SUFFIX = Pattern.compile("_(Mapped|Private|Split)$");

  /**
   * The CPU backend's extra buffer types whose names do not start with {@code CPU} (ggml-cpu:
   * {@code AMX} on Xeons with AMX, {@code KLEIDIAI} on Arm): weights repacked in host memory.
   */
  private static final java.util.Set<String> CPU_EXTRA = java.util.Set.of("AMX", "KLEIDIAI");

  /** llama.cpp starts (re)loading the model's tensors: sizes seen before belong to a probe. */
  private static final String LOAD_START = "load_tensors: loading model tensors";

  public MeasuredFootprint {
    devices = java.util.Collections.unmodifiableMap(new TreeMap<>(devices));
    long sum = devices.values().stream().mapToLong(BufferBytes::totalBytes).sum();
    if (sum != totalBytes) {
      throw new IllegalArgumentException("totalBytes " + totalBytes + " != sum " + sum);
    }
  }

  /** The footprint of these buffers. */
  public static MeasuredFootprint of(Map<String, BufferBytes> devices) {
    return new MeasuredFootprint(
        devices.values().stream().mapToLong(BufferBytes::totalBytes).sum(), devices);
  }

  /** Total bytes per device id. */
  public Map<String, Long> perDevice() {
    Map<String, Long> m = new LinkedHashMap<>();
    devices.forEach((id, b) -> m.put(id, b.totalBytes()));
    return m;
  }

  /** The sum per kind over every device. */
  public BufferBytes sum() {
    return devices.values().stream().reduce(BufferBytes.ZERO, BufferBytes::plus);
  }

  /**
   * Reads the buffer lines of one llama-server's log, oldest first. Empty when it logged none (a
   * verbosity below 4, or the lines are no longer in the log). Lines before the last {@code
   * load_tensors: loading model tensors} line are ignored.
   */
  public static Optional<MeasuredFootprint> parse(List<String> lines) {
    Map<String, BufferBytes> devices = new TreeMap<>();
    for (String line : lines) {
      if (line.contains(LOAD_START)) {
        devices.clear();
        continue;
      }
      Matcher m = BUFFER_LINE.matcher(line);
      if (!m.find()) {
        continue;
      }
      long bytes;
      try {
        bytes = Math.round(Double.parseDouble(m.group(3)) * MIB);
      } catch (NumberFormatException e) {
        continue;
      }
      BufferKind kind =
          switch (m.group(2)) {
            case "model" -> BufferKind.MODEL;
            case "KV", "RS" -> BufferKind.KV;
            case "output" -> BufferKind.OUTPUT;
            default -> BufferKind.COMPUTE;
          };
      devices.merge(deviceOf(m.group(1)), BufferBytes.ZERO.plus(kind, bytes), BufferBytes::plus);
    }
    return devices.isEmpty() ? Optional.empty() : Optional.of(of(devices));
  }

  /** The device id of a llama.cpp buffer-type name. */
  public static String deviceOf(String bufferType) {
    String b = bufferType.trim();
    if (b.startsWith("CPU")
        || b.endsWith("_Host")
        || b.equalsIgnoreCase("host")
        || CPU_EXTRA.contains(b.toUpperCase(Locale.ROOT))) {
      return Device.CPU;
    }
    return SUFFIX.matcher(b).replaceFirst("").toLowerCase(Locale.ROOT);
  }
}
