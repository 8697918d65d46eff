package io.llamasupervisor.testkit;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One server-sent event stream on a connection, with llama-server's pings: when nothing has been
 * written for more than the ping interval ({@code --sse-ping-interval}, or the request's {@code
 * sse_ping_interval}; 0 or less disables them), an SSE comment {@code :\n\n} is sent. When the
 * server shuts down mid-stream, the stream is cut at its next ping: the ping is written and the
 * connection closes without the terminating chunk (observed on b10470).
 */
final class EventStream {
  private static final long CLIENT_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final HttpConnection conn;
  private final long pingNanos;
  private boolean started;
  private long lastWrite;

  EventStream(HttpConnection conn, int pingSeconds) {
    this.conn = conn;
    this.pingNanos = pingSeconds > 0 ? TimeUnit.SECONDS.toNanos(pingSeconds) : 0;
  }

  /** Sends the response head. */
  void start(HttpRequest req) throws IOException {
    conn.startEventStream(req);
    started = true;
    lastWrite = System.nanoTime();
  }

  /** Whether the head has been sent. */
  boolean started() {
    return started;
  }

  /** Sends one HTTP chunk of events. */
  void send(String events) throws IOException {
    conn.chunk(events);
    lastWrite = System.nanoTime();
  }

  /** Ends the stream with the zero-length chunk. */
  void end() throws IOException {
    conn.endChunks();
  }

  /** When the next ping is due ({@link System#nanoTime()} scale), or null without pings. */
  Long nextPing() {
    return started && pingNanos > 0 ? lastWrite + pingNanos : null;
  }

  /** Sends a ping if one is due. */
  void pingIfDue() throws IOException {
    Long due = nextPing();
    if (due != null && System.nanoTime() - due >= 0) {
      conn.ping();
      lastWrite = System.nanoTime();
    }
  }

  /**
   * The server is shutting down: waits for the next ping (without pings, for the client to leave)
   * and writes it; the caller then closes the connection.
   */
  void cutAtNextPing() throws IOException {
    Long due = nextPing();
    if (due == null) {
      conn.awaitClientClose();
      return;
    }
    while (System.nanoTime() - due < 0) {
      if (conn.clientGone()) {
        return;
      }
      LockSupport.parkNanos(Math.min(CLIENT_CHECK_NANOS, due - System.nanoTime()));
    }
    conn.ping();
  }

  /**
   * The shutdown is stuck: the stream only gets pings, for as long as the client stays.
   *
   * @throws IOException when the client leaves
   */
  void pingForever() throws IOException {
    while (true) {
      if (conn.clientGone()) {
        throw new IOException("client disconnected");
      }
      pingIfDue();
      LockSupport.parkNanos(CLIENT_CHECK_NANOS);
    }
  }
}
