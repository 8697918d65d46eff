package io.llamasupervisor.app.cli;

import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.MemoryConfig;
import io.llamasupervisor.supervisor.memory.DeviceInventory;
import io.llamasupervisor.supervisor.memory.MemorySettings;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices of this host as {@code serve} and {@code plan} check a memory budget against them:
 * read from the inventory once, when a budget names devices first (an {@code auto} budget names
 * none and reads nothing here), then kept. Thread-safe.
 */
final class HostDevices {
  private static final Logger LOG = LoggerFactory.getLogger(HostDevices.class);

  private final DeviceInventory inventory;
  private final boolean gpusListed;
  private DeviceInventory.Reading reading;

  /**
   * @param gpusListed whether the inventory runs a llama-server's {@code --list-devices} (a binary
   *     was found): without it only {@code cpu} is known and GPU names cannot be checked
   */
  HostDevices(DeviceInventory inventory, boolean gpusListed) {
    this.inventory = inventory;
    this.gpusListed = gpusListed;
  }

  /**
   * Refuses a per-device budget that names a device this host does not have ({@link
   * MemoryConfig#checkBudgetDevices}); a name that cannot be checked is logged as a warning.
   *
   * @throws ConfigException naming {@code supervisor.memory.budget.<device>} and the host's devices
   */
  void check(MemorySettings memory) {
    if (memory.autoBudget()) {
      return;
    }
    List<String> unverified = MemoryConfig.checkBudgetDevices(memory, reading(), gpusListed);
    if (!unverified.isEmpty()) {
      LOG.warn(
          "supervisor.memory.budget names {}, which cannot be checked: {}",
          unverified,
          gpusListed ? String.join("; ", reading().problems()) : "no llama-server to list GPUs");
    }
  }

  private synchronized DeviceInventory.Reading reading() {
    if (reading == null) {
      reading = inventory.read();
    }
    return reading;
  }
}
