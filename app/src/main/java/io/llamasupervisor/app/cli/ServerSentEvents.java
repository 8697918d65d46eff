package io.llamasupervisor.app.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a Server-Sent Events stream event by event: the {@code event:} name (default {@code
 * message}) and the {@code data:} lines joined by newlines. Pings ({@code event: ping}) and
 * comments are skipped.
 */
final class ServerSentEvents {
  /** What to do with one event; returns false to stop reading. */
  interface Handler {
    boolean onEvent(String event, String data) throws IOException;
  }

  private ServerSentEvents() {}

  /** Calls {@code handler} for each event until it returns false or the stream ends. */
  static void read(InputStream stream, Handler handler) throws IOException {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      String event = "message";
      StringBuilder data = null;
      for (String l = in.readLine(); l != null; l = in.readLine()) {
        if (l.startsWith("event:")) {
          event = l.substring(6).strip();
        } else if (l.startsWith("data:")) {
          String d = l.substring(l.startsWith("data: ") ? 6 : 5);
          data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
        } else if (l.isEmpty()) {
          if (data != null && !event.equals("ping") && !handler.onEvent(event, data.toString())) {
            return;
          }
          event = "message";
          data = null;
        }
      }
    }
  }
}
