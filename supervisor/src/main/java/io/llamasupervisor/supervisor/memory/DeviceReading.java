package io.llamasupervisor.supervisor.memory;

import java.util.Objects;

/**
 * What one device reports about its memory now.
 *
 * @param id lower case, e.g. {@code cpu}, {@code cuda0}
 * @param totalBytes the device's memory
 * @param freeBytes what is free now ({@code MemAvailable} for {@code cpu})
 */
public record DeviceReading(String id, long totalBytes, long freeBytes) {
  public DeviceReading {
    Objects.requireNonNull(id, "id");
  }
}
