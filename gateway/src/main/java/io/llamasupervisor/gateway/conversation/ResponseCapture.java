package io.llamasupervisor.gateway.conversation;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Picks the response object out of a {@code /v1/responses} answer as it passes: the whole body of a
 * JSON answer, or the {@code data} of the {@code response.completed} event of an event stream (the
 * other events are scanned line by line and dropped, so a long stream costs no memory). Bytes
 * beyond {@code limit} make the capture give up. Not thread-safe: one exchange feeds it.
 */
final class ResponseCapture {
  private static final String COMPLETED = "response.completed";

  private final int limit;
  private boolean sse;
  private boolean ok;
  private boolean overflow;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private String event = "";
  private String completed;

  ResponseCapture(int limit) {
    this.limit = limit;
  }

  void start(int status, String contentType) {
    ok = status == 200;
    sse = contentType != null && contentType.toLowerCase().startsWith("text/event-stream");
  }

  void chunk(ByteBuffer bytes) {
    if (!ok || overflow) {
      return;
    }
    if (!sse) {
      if (body.size() + bytes.remaining() > limit) {
        overflow = true;
        return;
      }
      while (bytes.hasRemaining()) {
        body.write(bytes.get());
      }
      return;
    }
    while (bytes.hasRemaining()) {
      byte b = bytes.get();
      if (b == '\n') {
        line(line.toString(StandardCharsets.UTF_8));
        line.reset();
      } else if (line.size() < limit) {
        line.write(b);
      } else {
        overflow = true;
        return;
      }
    }
  }

  private void line(String l) {
    if (l.endsWith("\r")) {
      l = l.substring(0, l.length() - 1);
    }
    if (l.isEmpty()) {
      event = "";
    } else if (l.startsWith("event:")) {
      event = l.substring(6).trim();
    } else if (l.startsWith("data:") && COMPLETED.equals(event)) {
      completed = l.substring(5).trim();
    }
  }

  /**
   * After the body ended: the JSON body, or the {@code response.completed} event's data; null when
   * the answer was not a 200, too large, or a stream without that event.
   */
  String result() {
    if (!ok || overflow) {
      return null;
    }
    if (sse) {
      return completed;
    }
    return body.toString(StandardCharsets.UTF_8);
  }
}
