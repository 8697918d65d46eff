package io.llamasupervisor.process;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The most recent lines of a process's output, bounded both by line count and by bytes (UTF-8
 * length of the kept lines). Adding a line evicts the oldest ones until both bounds hold; a single
 * line larger than the byte bound is kept alone (callers cut lines before adding them).
 * Thread-safe.
 */
final class LogRing {

  private final int maxLines;
  private final long maxBytes;
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  private long bytes;

  LogRing(int maxLines, long maxBytes) {
    if (maxLines <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("bounds must be positive: " + maxLines + ", " + maxBytes);
    }
    this.maxLines = maxLines;
    this.maxBytes = maxBytes;
  }

  synchronized void add(String line) {
    lines.addLast(line);
    bytes += utf8Length(line);
    while (lines.size() > 1 && (lines.size() > maxLines || bytes > maxBytes)) {
      bytes -= utf8Length(lines.removeFirst());
    }
  }

  /** The last {@code n} lines (fewer if fewer are kept), oldest first. */
  synchronized List<String> lastLines(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative, got " + n);
    }
    int skip = Math.max(0, lines.size() - n);
    List<String> out = new ArrayList<>(lines.size() - skip);
    Iterator<String> it = lines.iterator();
    for (int i = 0; it.hasNext(); i++) {
      String line = it.next();
      if (i >= skip) {
        out.add(line);
      }
    }
    return out;
  }

  synchronized int size() {
    return lines.size();
  }

  /** The UTF-8 size of the kept lines. */
  synchronized long retainedBytes() {
    return bytes;
  }

  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
