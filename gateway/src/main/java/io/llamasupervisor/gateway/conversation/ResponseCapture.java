package io.llamasupervisor.gateway.conversation;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Picks the response object out of a {@code /v1/responses} answer as it passes: the whole body of a
 * JSON answer, or the {@code data} of the {@code response.completed} event of an event stream (the
 * other events are dropped as they pass, so a long stream costs no memory). Bytes beyond {@code
 * limit} make the capture give up. Not thread-safe: one exchange feeds it.
 */
final class ResponseCapture {
  private final int limit;
  private boolean ok;
  private boolean overflow;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private SseEvents events;
  private String completed;

  ResponseCapture(int limit) {
    this.limit = limit;
  }

  void start(int status, String contentType) {
    ok = status == 200;
    if (contentType != null && contentType.toLowerCase().startsWith("text/event-stream")) {
      events =
          new SseEvents(
              limit,
              (name, data) -> {
                if (name.equals("response.completed")) {
                  completed = data;
                }
              });
    }
  }

  void chunk(ByteBuffer bytes) {
    if (!ok || overflow) {
      return;
    }
    if (events != null) {
      events.feed(bytes);
      return;
    }
    if (body.size() + bytes.remaining() > limit) {
      overflow = true;
      return;
    }
    while (bytes.hasRemaining()) {
      body.write(bytes.get());
    }
  }

  /**
   * After the body ended: the JSON body, or the {@code response.completed} event's data; null when
   * the answer was not a 200, too large, or a stream without that event.
   */
  String result() {
    if (!ok || overflow || (events != null && events.overflowed())) {
      return null;
    }
    return events != null ? completed : body.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
