package io.llamasupervisor.supervisor.catalog;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Decides when a file is stable: its signature (size, mtime, inode) is the same at two polls and
 * has not changed for at least {@code stableAfter} by the injected clock. Any change restarts the
 * wait. Not thread-safe: used by the scanning thread only.
 */
final class StabilityTracker {
  private record Seen(FileSignature signature, Instant since) {}

  private final Duration stableAfter;
  private final Map<Path, Seen> seen = new HashMap<>();

  StabilityTracker(Duration stableAfter) {
    this.stableAfter = stableAfter;
  }

  /**
   * Records one poll and returns the files that are stable now. Files absent from {@code files} are
   * forgotten.
   */
  Set<Path> update(Map<Path, FileSignature> files, Instant now) {
    seen.keySet().retainAll(files.keySet());
    Set<Path> stable = new HashSet<>();
    for (Map.Entry<Path, FileSignature> e : files.entrySet()) {
      Seen prev = seen.get(e.getKey());
      if (prev == null || !prev.signature().equals(e.getValue())) {
        seen.put(e.getKey(), new Seen(e.getValue(), now));
      } else if (Duration.between(prev.since(), now).compareTo(stableAfter) >= 0) {
        stable.add(e.getKey());
      }
    }
    return stable;
  }

  /** Whether some file is waiting to become stable. */
  boolean hasPending(Set<Path> stable) {
    return stable.size() < seen.size();
  }
}
