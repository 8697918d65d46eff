package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.testing.MutableClock;
import io.llamasupervisor.testkit.FakeServerProcess;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The socket client on loopback against a scripted server: reuse, Connection: close, retries. */
class Http1TransportTest {
  private static final String OK_JSON = "{\"choices\":[]}";
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private ScriptedServer server;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aRefusedConnectionIsConnectionRefused() {
    int port = FakeServerProcess.freePort();
    try (Http1Transport t = transport(true)) {
      Outcome o = t.send(backend(port), BenchRequest.chat("m", false, 1));

      assertEquals(FailureKind.CONNECTION_REFUSED, o.failure());
    }
  }

  @Test
  void keepAliveReusesOneConnectionWhileTheServerAllows() throws IOException {
    server = new ScriptedServer();
    try (Http1Transport t = transport(true)) {
      for (int i = 0; i < 3; i++) {
        assertTrue(t.send(backend(server.port()), BenchRequest.chat("m", false, 1)).succeeded());
      }
    }

    assertEquals(1, server.connections.get());
    assertTrue(server.heads.get(0).contains("connection: keep-alive"), server.heads.get(0));
    assertTrue(server.heads.get(0).startsWith("post /v1/chat/completions http/1.1"));
  }

  @Test
  void withoutKeepAliveEveryRequestHasItsOwnConnectionAndAsksToClose() throws IOException {
    server = new ScriptedServer();
    try (Http1Transport t = transport(false)) {
      for (int i = 0; i < 3; i++) {
        assertTrue(t.send(backend(server.port()), BenchRequest.chat("m", false, 1)).succeeded());
      }
    }

    assertEquals(3, server.connections.get());
    assertTrue(server.heads.stream().allMatch(h -> h.contains("connection: close")));
  }

  @Test
  void aConnectionIdleLongerThanTheServerKeepsItIsNotReused() throws IOException {
    server = new ScriptedServer();
    try (Http1Transport t = transport(true)) {
      t.send(backend(server.port()), BenchRequest.chat("m", false, 1));
      clock.advance(Duration.ofSeconds(5)); // the server said timeout=5
      t.send(backend(server.port()), BenchRequest.chat("m", false, 1));
    }

    assertEquals(2, server.connections.get());
  }

  @Test
  void aReusedConnectionFoundClosedIsRetriedOnceOnANewOne() throws IOException {
    server = new ScriptedServer();
    server.closeAfterResponse = true; // announces keep-alive but hangs up
    try (Http1Transport t = transport(true)) {
      Outcome first = t.send(backend(server.port()), BenchRequest.chat("m", false, 1));
      server.awaitClosed();
      Outcome second = t.send(backend(server.port()), BenchRequest.chat("m", false, 1));

      assertTrue(first.succeeded());
      assertTrue(second.succeeded(), second.detail());
      assertEquals(1, t.staleRetries());
    }
    assertEquals(2, server.connections.get());
  }

  private Http1Transport transport(boolean keepAlive) {
    return new Http1Transport(keepAlive, Duration.ofSeconds(2), Duration.ofSeconds(5), null, clock);
  }

  private static BackendRoute backend(int port) {
    return BackendRoute.of(
        "127.0.0.1", port, 1, BackendState.READY, Instant.parse("2030-01-01T00:00:00Z"), 1, 1);
  }

  /** Answers every request with 200 JSON and {@code Keep-Alive: timeout=5}. */
  private static final class ScriptedServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger connections = new AtomicInteger();
    final List<String> heads = new CopyOnWriteArrayList<>();
    final BlockingQueue<Boolean> closed = new LinkedBlockingQueue<>();
    volatile boolean closeAfterResponse;
    private final Thread acceptor;

    ScriptedServer() throws IOException {
      acceptor = new Thread(this::accept, "scripted-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    void awaitClosed() {
      try {
        closed.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          connections.incrementAndGet();
          Thread t = new Thread(() -> serve(s));
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket s) {
      try (s) {
        InputStream in = new BufferedInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        while (true) {
          StringBuilder head = new StringBuilder();
          String line;
          int length = 0;
          while ((line = HttpLines.readOrNull(in)) != null && !line.isEmpty()) {
            String l = line.toLowerCase(Locale.ROOT);
            head.append(l).append('\n');
            if (l.startsWith("content-length:")) {
              length = Integer.parseInt(l.substring(15).strip());
            }
          }
          if (line == null) {
            return;
          }
          in.readNBytes(length);
          heads.add(head.toString());
          out.write(
              ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      + OK_JSON.length()
                      + "\r\nKeep-Alive: timeout=5, max=100\r\n\r\n"
                      + OK_JSON)
                  .getBytes(StandardCharsets.UTF_8));
          out.flush();
          if (closeAfterResponse || head.indexOf("connection: close") >= 0) {
            return;
          }
        }
      } catch (IOException e) {
        // client went away
      } finally {
        closed.add(true);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
