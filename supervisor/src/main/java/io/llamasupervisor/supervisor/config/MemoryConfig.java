package io.llamasupervisor.supervisor.config;

import io.llamasupervisor.supervisor.memory.Device;
import io.llamasupervisor.supervisor.memory.DeviceInventory;
import io.llamasupervisor.supervisor.memory.MemorySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds {@code supervisor.memory.*} to {@link MemorySettings}: {@code devices} ({@code auto} or a
 * list such as {@code [cuda0, cpu]}), {@code budget} ({@code auto}, one size such as {@code 48GiB}
 * or a number of bytes, or a size per device such as {@code {cuda0: 22GiB}}), {@code margin},
 * {@code process-overhead} and {@code min-residency}. One size applies to the one device of an
 * explicit {@code devices} list, else to {@code cpu}.
 */
public final class MemoryConfig {
  /** The section's name under {@code supervisor}. */
  static final String SECTION = "memory";

  static final List<String> KEYS =
      List.of("devices", "budget", "margin", "process-overhead", "min-residency");

  private static final Pattern DEVICE = Pattern.compile("[a-z][a-z_]*[0-9]*");

  private MemoryConfig() {}

  /**
   * The memory settings of {@code config}.
   *
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public static MemorySettings of(SupervisorConfig config) {
    ConfigNode sup = new ConfigNode("supervisor", config.tree().get("supervisor").orElse(null));
    ConfigNode node =
        sup.entries(null).getOrDefault(SECTION, new ConfigNode(sup.childKey(SECTION), null));
    Map<String, ConfigNode> f = node.entries(KEYS);
    MemorySettings d = MemorySettings.defaults();
    List<String> devices = has(f, "devices") ? devices(f.get("devices")) : List.of();
    Map<String, Long> budget = has(f, "budget") ? budget(f.get("budget"), devices) : Map.of();
    return new MemorySettings(
        devices,
        budget,
        has(f, "margin") ? size(f.get("margin")) : d.marginBytes(),
        has(f, "process-overhead") ? size(f.get("process-overhead")) : null,
        has(f, "min-residency") ? minResidency(f.get("min-residency")) : d.minResidency());
  }

  /**
   * Checks that every device a per-device budget names exists on this host: {@code cpu}, or a
   * device of {@code host} (what {@code llama-server --list-devices} reported). GPU names can only
   * be checked when the GPUs were listed: with {@code gpusListed} false (no llama-server binary) or
   * a reading with problems (a failing {@code --list-devices}), a GPU name that is not in the
   * reading is not refused but returned, for the caller to warn about.
   *
   * @param settings the bound {@code supervisor.memory} settings
   * @param host what the device inventory read
   * @param gpusListed whether {@code host} includes a {@code --list-devices} of a llama-server
   * @return the budget's device names that could not be verified; empty when all were
   * @throws ConfigException naming {@code supervisor.memory.budget.<device>} and the host's
   *     devices, for a device the complete reading does not have
   */
  public static List<String> checkBudgetDevices(
      MemorySettings settings, DeviceInventory.Reading host, boolean gpusListed) {
    List<String> known = new ArrayList<>(List.of(MemorySettings.CPU));
    host.devices().stream().map(Device::id).filter(id -> !known.contains(id)).forEach(known::add);
    List<String> unverified = new ArrayList<>();
    for (String id : settings.budget().keySet()) {
      if (known.contains(id)) {
        continue;
      }
      if (!gpusListed || !host.problems().isEmpty()) {
        unverified.add(id);
        continue;
      }
      throw new ConfigException(
          "supervisor.memory.budget." + id,
          "device "
              + id
              + " does not exist on this host (its devices: "
              + String.join(", ", known)
              + "; as llama-server --list-devices names them, in lower case)");
    }
    return unverified;
  }

  private static boolean has(Map<String, ConfigNode> m, String k) {
    return m.containsKey(k) && !m.get(k).isNull();
  }

  private static List<String> devices(ConfigNode n) {
    if (n.value() instanceof String s && s.trim().equalsIgnoreCase("auto")) {
      return List.of();
    }
    if (n.value() instanceof Map<?, ?>) {
      throw n.error("expected auto or a list of devices such as [cuda0, cpu]");
    }
    List<String> out = new ArrayList<>();
    for (String s : n.stringList()) {
      String id = device(n, s);
      if (out.contains(id)) {
        throw n.error("device " + id + " is listed twice");
      }
      out.add(id);
    }
    if (out.isEmpty()) {
      throw n.error("expected auto or at least one device such as cpu or cuda0");
    }
    return out;
  }

  private static String device(ConfigNode n, String s) {
    String id = s.trim().toLowerCase(Locale.ROOT);
    if (!DEVICE.matcher(id).matches()) {
      throw n.error(
          "'"
              + s
              + "' is not a device id (lower-case name and index: cpu, cuda0, vulkan1, metal0)");
    }
    return id;
  }

  private static Map<String, Long> budget(ConfigNode n, List<String> devices) {
    if (n.value() instanceof Map<?, ?>) {
      Map<String, Long> out = new LinkedHashMap<>();
      for (Map.Entry<String, ConfigNode> e : n.entries(null).entrySet()) {
        String id = device(e.getValue(), e.getKey());
        if (!devices.isEmpty() && !devices.contains(id)) {
          throw new ConfigException(
              e.getValue().key(),
              "device " + id + " is not in supervisor.memory.devices " + devices);
        }
        out.put(id, size(e.getValue()));
      }
      if (out.isEmpty()) {
        throw n.error("expected auto, a size such as 48GiB, or sizes per device {cuda0: 22GiB}");
      }
      return out;
    }
    if (n.value() instanceof String s && s.trim().equalsIgnoreCase("auto")) {
      return Map.of();
    }
    if (n.value() instanceof List<?>) {
      throw n.error("expected auto, a size such as 48GiB, or sizes per device {cuda0: 22GiB}");
    }
    if (devices.size() > 1) {
      throw n.error(
          "one size for several devices "
              + devices
              + " is ambiguous; give one per device, e.g. {"
              + devices.get(0)
              + ": 22GiB}");
    }
    String device = devices.isEmpty() ? MemorySettings.CPU : devices.get(0);
    return Map.of(device, size(n));
  }

  private static long size(ConfigNode n) {
    if (n.value() instanceof Number x && !(x instanceof Double || x instanceof Float)) {
      if (x.longValue() < 0) {
        throw n.error("must not be negative");
      }
      return x.longValue();
    }
    if (n.value() instanceof Map<?, ?> || n.value() instanceof List<?>) {
      throw n.error("expected a size such as 24GiB, 512MiB or a number of bytes");
    }
    return ServeConfig.bytes(n);
  }

  private static Duration minResidency(ConfigNode n) {
    return n.duration();
  }
}
