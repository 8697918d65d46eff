package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * The devices the fake reports for {@code --list-devices}, from {@code FAKE_LLAMA_DEVICES}: a
 * comma-separated list of {@code NAME:DESCRIPTION:TOTAL_MIB:FREE_MIB}, e.g. {@code CUDA0:NVIDIA
 * GeForce RTX 4090:24564:20000,Vulkan0:AMD Radeon:16368:16000}. The description may contain colons
 * (the last two fields are the sizes) but no comma. Empty or unset: no GPU, like a CPU-only build.
 */
record Devices(List<Device> list) {
  record Device(String name, String description, long totalMib, long freeMib) {}

  static final Devices NONE = new Devices(List.of());

  Devices {
    list = List.copyOf(list);
  }

  /**
   * @throws IllegalArgumentException saying which entry is malformed
   */
  static Devices parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return NONE;
    }
    List<Device> out = new ArrayList<>();
    for (String entry : spec.split(",")) {
      String e = entry.trim();
      int last = e.lastIndexOf(':');
      int second = last < 0 ? -1 : e.lastIndexOf(':', last - 1);
      int first = e.indexOf(':');
      if (first <= 0 || second <= first) {
        throw new IllegalArgumentException(
            "device '" + e + "' is not NAME:DESCRIPTION:TOTAL_MIB:FREE_MIB");
      }
      try {
        long total = Long.parseLong(e.substring(second + 1, last).trim());
        long free = Long.parseLong(e.substring(last + 1).trim());
        if (total < 0 || free < 0 || free > total) {
          throw new IllegalArgumentException(
              "device '" + e + "': sizes must be 0 <= FREE_MIB <= TOTAL_MIB");
        }
        out.add(new Device(e.substring(0, first), e.substring(first + 1, second), total, free));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(
            "device '" + e + "': TOTAL_MIB and FREE_MIB must be numbers");
      }
    }
    return new Devices(out);
  }

  /** What b10470 prints on stdout for {@code --list-devices} (common_print_available_devices). */
  String listing() {
    StringBuilder sb = new StringBuilder("Available devices:\n");
    if (list.isEmpty()) {
      sb.append("  (none)\n");
    }
    for (Device d : list) {
      sb.append("  ")
          .append(d.name())
          .append(": ")
          .append(d.description())
          .append(" (")
          .append(d.totalMib())
          .append(" MiB, ")
          .append(d.freeMib())
          .append(" MiB free)\n");
    }
    return sb.toString();
  }
}
