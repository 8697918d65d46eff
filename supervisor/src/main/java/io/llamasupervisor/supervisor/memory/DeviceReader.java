package io.llamasupervisor.supervisor.memory;

import java.util.List;

/**
 * Reads the memory of the host's devices (from {@code llama-server --list-devices} and {@code
 * /proc/meminfo}). The memory scheduler uses it for an {@code auto} budget and to see memory freed
 * by an eviction before the next start. Implementations may block briefly; they must not throw (an
 * unreadable device is left out).
 */
@FunctionalInterface
public interface DeviceReader {
  /** Every device with its total and free memory now; empty when nothing can be read. */
  List<Device> read();

  /** Reads nothing: an {@code auto} budget is then no budget, and freed memory is not awaited. */
  DeviceReader NONE = List::of;
}
