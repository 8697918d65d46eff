package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.List;

/** Test helper: log lines as text without the time prefix, split at embedded newlines. */
final class Lines {
  private Lines() {}

  static List<String> untimed(List<LogLine> lines) {
    List<String> out = new ArrayList<>();
    for (LogLine l : lines) {
      String text = l.isRaw() ? l.render(0) : l.render(0).substring("0.00.000.000 ".length());
      String[] parts = text.split("\n", -1);
      for (int i = 0; i < parts.length; i++) {
        if (i == parts.length - 1 && parts[i].isEmpty() && parts.length > 1) {
          out.add("");
          break;
        }
        out.add(parts[i]);
      }
    }
    return out;
  }
}
