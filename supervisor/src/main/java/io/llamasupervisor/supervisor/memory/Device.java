package io.llamasupervisor.supervisor.memory;

import java.util.Locale;
import java.util.Objects;

/**
 * One device llama-server can put buffers on.
 *
 * @param id lower case: {@code cpu} (system RAM) or llama.cpp's device name lower-cased, e.g.
 *     {@code cuda0}, {@code rocm0}, {@code vulkan0}, {@code mtl0}
 * @param description what the backend calls it, e.g. {@code NVIDIA GeForce RTX 4090}
 * @param totalBytes its memory
 * @param freeBytes free now ({@code MemAvailable} for {@code cpu})
 */
public record Device(String id, String description, long totalBytes, long freeBytes) {
  /** The id of system RAM. */
  public static final String CPU = "cpu";

  public Device {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(description, "description");
    if (!id.equals(id.toLowerCase(Locale.ROOT)) || id.isBlank()) {
      throw new IllegalArgumentException("device id must be lower case and not blank: " + id);
    }
    if (totalBytes < 0 || freeBytes < 0) {
      throw new IllegalArgumentException(
          "negative memory for " + id + ": " + totalBytes + "/" + freeBytes);
    }
  }

  /** The id for llama.cpp's device or buffer-type name, e.g. {@code CUDA0} → {@code cuda0}. */
  public static String idOf(String llamaName) {
    return llamaName.trim().toLowerCase(Locale.ROOT);
  }

  public boolean isCpu() {
    return CPU.equals(id);
  }
}
