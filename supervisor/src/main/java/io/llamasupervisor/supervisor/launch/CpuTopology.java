package io.llamasupervisor.supervisor.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Counts physical CPU cores: distinct ({@code physical id}, {@code core id}) pairs in {@code
 * /proc/cpuinfo}, so hyper-threads are not counted twice. Falls back to {@link
 * Runtime#availableProcessors()} when the file is missing or has no such lines.
 */
public final class CpuTopology {
  private static final Path CPUINFO = Path.of("/proc/cpuinfo");

  private CpuTopology() {}

  public static int physicalCores() {
    return physicalCores(CPUINFO, Runtime.getRuntime().availableProcessors());
  }

  /** Physical cores described by a cpuinfo file, or {@code fallback}. */
  public static int physicalCores(Path cpuinfo, int fallback) {
    try {
      return physicalCores(Files.readAllLines(cpuinfo), fallback);
    } catch (IOException | RuntimeException e) {
      return fallback;
    }
  }

  static int physicalCores(List<String> lines, int fallback) {
    Set<String> cores = new HashSet<>();
    String physicalId = "0";
    String coreId = null;
    for (String line : lines) {
      if (line.isBlank()) {
        if (coreId != null) {
          cores.add(physicalId + ":" + coreId);
        }
        physicalId = "0";
        coreId = null;
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (key.equals("physical id")) {
        physicalId = value;
      } else if (key.equals("core id")) {
        coreId = value;
      }
    }
    if (coreId != null) {
      cores.add(physicalId + ":" + coreId);
    }
    return cores.isEmpty() ? Math.max(1, fallback) : cores.size();
  }
}
