package io.llamasupervisor.gateway.conversation;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Splits a server-sent event stream into events as its bytes arrive, in any chunking: each event's
 * name ({@code event:}, empty when absent) and its {@code data:} lines joined by newlines go to the
 * listener when the blank line that ends it arrives. Comments ({@code :ping}) are dropped. A line
 * longer than {@code maxLine} bytes makes the splitter give up ({@link #overflowed()}). Not
 * thread-safe.
 */
final class SseEvents {
  interface Listener {
    void event(String name, String data);
  }

  private final int maxLine;
  private final Listener listener;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final StringBuilder data = new StringBuilder();
  private String name = "";
  private boolean overflow;

  SseEvents(int maxLine, Listener listener) {
    this.maxLine = maxLine;
    this.listener = listener;
  }

  void feed(ByteBuffer bytes) {
    while (!overflow && bytes.hasRemaining()) {
      byte b = bytes.get();
      if (b == '\n') {
        line(line.toString(StandardCharsets.UTF_8));
        line.reset();
      } else if (line.size() < maxLine) {
        line.write(b);
      } else {
        overflow = true;
      }
    }
  }

  boolean overflowed() {
    return overflow;
  }

  private void line(String l) {
    if (l.endsWith("\r")) {
      l = l.substring(0, l.length() - 1);
    }
    if (l.isEmpty()) {
      if (!data.isEmpty() || !name.isEmpty()) {
        listener.event(name, data.toString());
      }
      name = "";
      data.setLength(0);
    } else if (l.startsWith("event:")) {
      name = l.substring(6).trim();
    } else if (l.startsWith("data:")) {
      if (!data.isEmpty()) {
        data.append('\n');
      }
      data.append(l.substring(5).trim());
    }
  }
}
