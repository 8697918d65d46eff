package io.llamasupervisor.bench;

import java.io.IOException;
import java.io.InputStream;

/**
 * Follows a server-sent event stream as llama-server writes it ({@code data: <json>} events
 * separated by blank lines, OpenAI endpoints ending with {@code data: [DONE]}) and remembers what
 * it saw, also when the stream breaks: {@link #events()}, {@link #done()}, {@link #error()}.
 */
final class SseScanner {
  private static final String DONE = "[DONE]";

  private int events;
  private boolean done;
  private String error;

  /** {@code data:} events seen, {@code [DONE]} excluded. */
  int events() {
    return events;
  }

  /** Whether {@code data: [DONE]} was seen. */
  boolean done() {
    return done;
  }

  /** The payload of the first {@code {"error": ...}} event, or null. */
  String error() {
    return error;
  }

  /**
   * Reads events until {@code data: [DONE]} or the end of {@code in}. I/O errors propagate; what
   * was seen before them stays available.
   */
  void scan(InputStream in) throws IOException {
    String line;
    while (!done && (line = HttpLines.readOrNull(in)) != null) {
      line(line);
    }
  }

  /** Takes one line of the stream. */
  void line(String line) {
    if (!line.startsWith("data:")) {
      return; // blank separator, comment, or an event/id field llama-server does not send
    }
    String payload = line.substring(5).strip();
    if (payload.equals(DONE)) {
      done = true;
      return;
    }
    events++;
    if (error == null && payload.startsWith("{\"error\"")) {
      error = payload;
    }
  }
}
