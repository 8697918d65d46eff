package io.llamasupervisor.supervisor.memory;

import java.util.Locale;

/** Byte counts for messages: {@code 1.5 GiB}, {@code 300 MiB}, {@code 512 B}. */
public final class Sizes {
  private Sizes() {}

  public static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0
        ? bytes + " B"
        : String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }
}
