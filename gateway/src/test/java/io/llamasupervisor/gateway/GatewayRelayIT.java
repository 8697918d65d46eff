package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway relays what a backend sends without re-encoding it: these backends answer with
 * hand-written bytes, so framing the testkit fake never uses (a body ended by the connection's
 * close, chunk extensions, trailers, hop-by-hop fields, a broken response) is covered too.
 */
class GatewayRelayIT {
  private static final String JSON_ANSWER =
      "{\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":3,"
          + "\"completion_tokens\":1}}";
  private static final String ASK = "{\"model\":\"m\",\"messages\":[]}";

  private ScriptedBackend backend;
  private GatewayServer gateway;
  private RoutingRegistry registry;

  @AfterEach
  void close() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private GatewayServer gatewayInFrontOf(ScriptedBackend b) {
    registry = new RoutingRegistry(Clock.systemUTC());
    BackendRoute route =
        BackendRoute.of("127.0.0.1", b.port(), 1, BackendState.READY, Instant.now(), 4, 4);
    registry.update(t -> t.put(new ModelRoute("m", "m", "ready", List.of(route))));
    gateway =
        new GatewayServer(
            GatewayOptions.builder().port(0).build(),
            registry::subscribe,
            ModelDirectory.NONE,
            ModelStarter.NONE,
            new SimpleMeterRegistry());
    return gateway.start();
  }

  @Test
  void aBodyThatEndsWhenTheBackendClosesReachesTheClientWhole() throws Exception {
    backend =
        new ScriptedBackend(
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + JSON_ANSWER, true);
    GatewayServer gw = gatewayInFrontOf(backend);
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = Http.post(gw.port(), "/v1/chat/completions", ASK);
      assertEquals(200, r.statusCode());
      assertEquals(JSON_ANSWER, r.body());
    }
    assertEquals(2, backend.requests.get(), "the closed connection was not reused");
  }

  @Test
  void chunksWithExtensionsAndTrailersPassAndHopByHopFieldsDoNot() throws Exception {
    String events = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n";
    String body =
        Integer.toHexString(10)
            + ";x=y\r\n"
            + events.substring(0, 10)
            + "\r\n"
            + Integer.toHexString(events.length() - 10)
            + "\r\n"
            + events.substring(10)
            + "\r\n0\r\nX-Trailer: t\r\n\r\n";
    backend =
        new ScriptedBackend(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                + "Keep-Alive: timeout=5, max=100\r\nX-Odd:  a;b  \r\nCache-Control: private\r\n\r\n"
                + body,
            false);
    GatewayServer gw = gatewayInFrontOf(backend);
    HttpResponse<String> r = Http.post(gw.port(), "/v1/chat/completions", ASK);
    assertEquals(200, r.statusCode());
    assertEquals(events, r.body());
    assertEquals("a;b", r.headers().firstValue("x-odd").orElse(""));
    assertFalse(r.headers().firstValue("keep-alive").isPresent());
    assertEquals("no-cache", r.headers().firstValue("cache-control").orElse(""));
    assertEquals("no", r.headers().firstValue("x-accel-buffering").orElse(""));
    assertEquals("1", r.headers().firstValue("x-backend-generation").orElse(""));
  }

  @Test
  void fieldsTheConnectionHeaderNamesAreNotRelayedInEitherDirection() throws Exception {
    backend =
        new ScriptedBackend(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Connection: keep-alive, X-Internal\r\nX-Internal: backend-only\r\n"
                + "X-Kept: yes\r\nContent-Length: "
                + JSON_ANSWER.length()
                + "\r\n\r\n"
                + JSON_ANSWER,
            false);
    GatewayServer gw = gatewayInFrontOf(backend);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.getOutputStream()
          .write(
              ("POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\n"
                      + "Connection: X-Trace, close\r\nX-Trace: client-only\r\nX-Other: 2\r\n"
                      + "Content-Type: application/json\r\nContent-Length: "
                      + ASK.length()
                      + "\r\n\r\n"
                      + ASK)
                  .getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase();
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      assertTrue(answer.endsWith(JSON_ANSWER), answer);
      assertTrue(head.contains("\r\nx-kept: yes"), head);
      assertFalse(head.contains("x-internal"), head);
    }
    String forwarded = String.join("\n", backend.lastHead).toLowerCase();
    assertTrue(forwarded.contains("\nx-other: 2"), forwarded);
    assertFalse(forwarded.contains("x-trace"), forwarded);
    assertFalse(forwarded.contains("connection: x-trace"), forwarded);
  }

  @Test
  void aBrokenResponseBeforeAnyByteReachedTheClientIsA502InOpenAisShape() throws Exception {
    backend = new ScriptedBackend("HTTP/1.1 2xx Fine\r\n\r\n", true);
    GatewayServer gw = gatewayInFrontOf(backend);
    HttpResponse<String> r = Http.post(gw.port(), "/v1/chat/completions", ASK);
    assertEquals(502, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"error\""), r.body());
    assertTrue(r.body().contains("bad status code: HTTP/1.1 2xx Fine; no other ready"), r.body());
  }

  @Test
  void aHeadRequestGetsTheHeadersWithoutABodySoTheNextAnswerOnTheConnectionIsIntact()
      throws Exception {
    backend = new ScriptedBackend("HTTP/1.1 204 No Content\r\n\r\n", false);
    GatewayServer gw = gatewayInFrontOf(backend);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.getOutputStream()
          .write(
              ("HEAD /health HTTP/1.1\r\nHost: g\r\n\r\n"
                      + "GET /health HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int second = all.indexOf("HTTP/1.1 200", 1);
      assertTrue(all.startsWith("HTTP/1.1 200"), all);
      assertTrue(second > 0, all);
      assertTrue(all.substring(0, second).endsWith("\r\n\r\n"), "no body after the HEAD: " + all);
      assertTrue(all.substring(second).endsWith("{\"status\":\"ok\"}"), all);
    }
  }

  /**
   * A backend on a loopback port that answers every request (head and a {@code Content-Length} body
   * read) with the same bytes, then closes the connection or keeps it.
   */
  private static final class ScriptedBackend implements AutoCloseable {
    final AtomicInteger requests = new AtomicInteger();

    /** The request line and header lines of the last request, as received. */
    volatile List<String> lastHead = List.of();

    private final ServerSocket server;
    private final byte[] answer;
    private final boolean closeAfter;
    private final Thread acceptor;

    ScriptedBackend(String answer, boolean closeAfter) throws IOException {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.answer = answer.getBytes(StandardCharsets.ISO_8859_1);
      this.closeAfter = closeAfter;
      this.acceptor = new Thread(this::accept, "scripted-backend");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread t = new Thread(() -> serve(s), "scripted-backend-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void serve(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        BufferedReader lines =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
        while (true) {
          int length = 0;
          String line = lines.readLine();
          if (line == null) {
            return;
          }
          List<String> head = new java.util.ArrayList<>(List.of(line));
          while ((line = lines.readLine()) != null && !line.isEmpty()) {
            head.add(line);
            if (line.toLowerCase().startsWith("content-length:")) {
              length = Integer.parseInt(line.substring(15).strip());
            }
          }
          for (int i = 0; i < length; i++) {
            lines.read();
          }
          lastHead = List.copyOf(head);
          requests.incrementAndGet();
          out.write(answer);
          out.flush();
          if (closeAfter) {
            return;
          }
        }
      } catch (IOException e) {
        // the gateway closed the connection
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
