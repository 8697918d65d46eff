package io.llamasupervisor.api;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Reads a Server-Sent-Events body on its own thread into {@link #events}. */
final class SseReader implements AutoCloseable {
  /** One dispatched event. */
  record Event(String id, String name, String data) {}

  /** Events other than keep-alive pings. */
  final List<Event> events = new CopyOnWriteArrayList<>();

  /** Keep-alive pings ({@code event: ping}). */
  final List<Event> pings = new CopyOnWriteArrayList<>();

  private final InputStream body;
  private final Thread thread;
  private volatile boolean ended;

  SseReader(InputStream body) {
    this.body = body;
    this.thread = new Thread(this::run, "sse-reader");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the server ended the stream. */
  boolean ended() {
    return ended;
  }

  List<String> data() {
    return events.stream().map(Event::data).toList();
  }

  private void run() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String name = null;
      StringBuilder data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            Event e = new Event(id, name, data.toString());
            ("ping".equals(name) ? pings : events).add(e);
          }
          id = null;
          name = null;
          data = null;
        } else if (line.startsWith("data:")) {
          String d = line.substring(5);
          d = d.startsWith(" ") ? d.substring(1) : d;
          data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
        } else if (line.startsWith("id:")) {
          id = line.substring(3).strip();
        } else if (line.startsWith("event:")) {
          name = line.substring(6).strip();
        }
      }
    } catch (IOException e) {
      // closed by us
    } finally {
      ended = true;
    }
  }

  @Override
  public void close() throws IOException {
    body.close();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
