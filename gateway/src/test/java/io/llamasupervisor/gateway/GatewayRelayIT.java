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
import java.time.Duration;
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
    return gatewayInFrontOf(b, GatewayOptions.builder());
  }

  private GatewayServer gatewayInFrontOf(ScriptedBackend b, GatewayOptions.Builder options) {
    registry = new RoutingRegistry(Clock.systemUTC());
    BackendRoute route =
        BackendRoute.of("127.0.0.1", b.port(), 1, BackendState.READY, Instant.now(), 4, 4);
    registry.update(t -> t.put(new ModelRoute("m", "m", "ready", List.of(route))));
    gateway =
        new GatewayServer(
            options.port(0).build(),
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

  private static final String EVENTS =
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n";

  private static String chunkedSse(String extraHeaders) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
        + extraHeaders
        + "\r\n"
        + Integer.toHexString(EVENTS.length())
        + "\r\n"
        + EVENTS
        + "\r\n0\r\n\r\n";
  }

  private static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static String post(String version, String extraHeaders, String body) {
    return "POST /v1/chat/completions HTTP/"
        + version
        + "\r\nHost: g\r\n"
        + extraHeaders
        + "Content-Type: application/json\r\nContent-Length: "
        + body.length()
        + "\r\n\r\n"
        + body;
  }

  /** Regression: an HTTP/1.0 client got a chunked stream, chunk sizes in its body. */
  @Test
  void anHttp10ClientGetsAStreamUnframedEndedByTheClose() throws Exception {
    backend = new ScriptedBackend(chunkedSse(""), false);
    GatewayServer gw = gatewayInFrontOf(backend);
    String all = exchange(gw.port(), post("1.0", "", ASK));
    String head = all.substring(0, all.indexOf("\r\n\r\n")).toLowerCase();
    assertFalse(head.contains("transfer-encoding"), head);
    assertTrue(head.contains("\r\nconnection: close"), head);
    assertEquals(EVENTS, all.substring(all.indexOf("\r\n\r\n") + 4));
  }

  /** Regression: a backend's Content-Length was relayed next to its chunked coding. */
  @Test
  void aResponseWithBothFramingsReachesTheClientWithTheChunksOnly() throws Exception {
    backend = new ScriptedBackend(chunkedSse("Content-Length: 5\r\n"), false);
    GatewayServer gw = gatewayInFrontOf(backend);
    String all = exchange(gw.port(), post("1.1", "Connection: close\r\n", ASK));
    String head = all.substring(0, all.indexOf("\r\n\r\n")).toLowerCase();
    assertTrue(head.contains("transfer-encoding: chunked"), head);
    assertFalse(head.contains("content-length"), head);
  }

  /** Regression: a broken chunk ended the body, and the cut body was forwarded (and answered). */
  @Test
  void aRequestWithABrokenChunkIsA400AndNeverForwarded() throws Exception {
    backend = new ScriptedBackend(chunkedSse(""), false);
    GatewayServer gw = gatewayInFrontOf(backend);
    String part = "{\"model\":\"m\",\"messages\":[";
    String all =
        exchange(
            gw.port(),
            "POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(part.length())
                + "\r\n"
                + part
                + "\r\nZZZ-not-a-size\r\n");
    assertTrue(all.startsWith("HTTP/1.1 400"), all);
    assertTrue(all.contains("bad_request"), all);
    assertEquals(0, backend.requests.get(), "forwarded: " + backend.bodies);
  }

  /** Regression: a refused request that expects 100-continue got no answer until its body came. */
  @Test
  void aRefusedRequestThatExpects100ContinueIsAnsweredBeforeItsBody() throws Exception {
    backend = new ScriptedBackend(chunkedSse(""), false);
    GatewayServer gw = gatewayInFrontOf(backend);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("POST /v1/nothing-here HTTP/1.1\r\nHost: g\r\nExpect: 100-continue\r\n"
                      + "Content-Length: 1000000\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(all.startsWith("HTTP/1.1 404"), all);
      assertTrue(all.contains("unknown_url"), all);
    }
  }

  /**
   * Regression: bytes pipelined behind a running request were buffered without limit (512 MiB
   * behind a 1 KiB max-body); now the gateway stops reading and TCP pushes back.
   */
  @Test
  void bytesPipelinedBehindARunningRequestPushBackInsteadOfFillingMemory() throws Exception {
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    backend = new ScriptedBackend(chunkedSse(""), false, gate);
    gatewayInFrontOf(backend, GatewayOptions.builder().maxBody(1024));
    long before = io.netty.util.internal.PlatformDependent.usedDirectMemory();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(post("1.1", "", ASK).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> backend.requests.get() == 1);
      out.write(
          "POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nContent-Length: 67108864\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
      // write 64 MiB on another thread: it blocks once the gateway stops reading
      java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
      Thread writer =
          new Thread(
              () -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                  for (int i = 0; i < 1024; i++) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                  }
                } catch (IOException e) {
                  // closed at the end of the test
                }
              });
      writer.setDaemon(true);
      writer.start();
      // the writer stalls: the bytes it got out stop growing
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .pollInterval(java.time.Duration.ofMillis(500))
          .until(
              new java.util.concurrent.Callable<Boolean>() {
                long last = -1;

                @Override
                public Boolean call() {
                  long now = written.get();
                  boolean stalled = now == last && writer.isAlive();
                  last = now;
                  return stalled;
                }
              });
      assertTrue(written.get() < (16L << 20), (written.get() >> 20) + " MiB accepted");
      long held = io.netty.util.internal.PlatformDependent.usedDirectMemory() - before;
      assertTrue(held < (8L << 20), (held >> 20) + " MiB of direct memory held");
    }
    gate.countDown();
    // the gateway is unharmed: the next client is served
    HttpResponse<String> next = Http.post(gateway.port(), "/v1/chat/completions", ASK);
    assertEquals(200, next.statusCode(), next.body());
    assertEquals(EVENTS, next.body());
  }

  /** Regression: a too-long request line or too-large headers were a plain 400. */
  @Test
  void aTooLongRequestLineIs414AndTooLargeHeadersAre431() throws Exception {
    backend = new ScriptedBackend(chunkedSse(""), false);
    GatewayServer gw = gatewayInFrontOf(backend);
    String longLine =
        exchange(
            gw.port(), "GET /v1/models?x=" + "a".repeat(9000) + " HTTP/1.1\r\nHost: g\r\n\r\n");
    assertTrue(longLine.startsWith("HTTP/1.1 414"), longLine);
    assertTrue(longLine.contains("uri_too_long"), longLine);
    String bigHeaders =
        exchange(
            gw.port(),
            "GET /v1/models HTTP/1.1\r\nHost: g\r\nX-Big: " + "b".repeat(17000) + "\r\n\r\n");
    assertTrue(bigHeaders.startsWith("HTTP/1.1 431"), bigHeaders);
    assertTrue(bigHeaders.contains("header_fields_too_large"), bigHeaders);
    assertEquals(0, backend.requests.get());
  }

  /** Regression: a client that fell silent mid-request held its connection (and body) forever. */
  @Test
  void aClientSilentMidRequestGets408AndAnIdleKeptAliveConnectionIsClosed() throws Exception {
    backend = new ScriptedBackend(chunkedSse(""), false);
    GatewayServer gw =
        gatewayInFrontOf(backend, GatewayOptions.builder().clientTimeout(Duration.ofMillis(300)));
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nContent-Length: 100\r\n\r\n{\"mo"
                  .getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(all.startsWith("HTTP/1.1 408"), all);
      assertTrue(all.contains("request_timeout"), all);
    }
    assertEquals(0, backend.requests.get());
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(post("1.1", "", ASK).getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      // answered in full, then the connection idles past the timeout and the gateway closes it
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      assertTrue(answer.endsWith("0\r\n\r\n"), answer);
    }
  }

  @Test
  void aClientWaitingForItsAnswerIsNotTimedOut() throws Exception {
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    backend = new ScriptedBackend(chunkedSse(""), false, gate);
    GatewayServer gw =
        gatewayInFrontOf(backend, GatewayOptions.builder().clientTimeout(Duration.ofMillis(200)));
    java.util.concurrent.CompletableFuture<HttpResponse<String>> answer =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> Http.post(gw.port(), "/v1/chat/completions", ASK));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> backend.requests.get() == 1);
    // five timeouts long the client only waits: it keeps its connection
    org.awaitility.Awaitility.await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> !answer.isDone());
    gate.countDown();
    HttpResponse<String> r = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(EVENTS, r.body());
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

    /** The bodies of the requests, as received. */
    final List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final byte[] answer;
    private final boolean closeAfter;
    private final java.util.concurrent.CountDownLatch answerGate;
    private final Thread acceptor;

    ScriptedBackend(String answer, boolean closeAfter) throws IOException {
      this(answer, closeAfter, new java.util.concurrent.CountDownLatch(0));
    }

    /** Answers only once {@code answerGate} is open. */
    ScriptedBackend(
        String answer, boolean closeAfter, java.util.concurrent.CountDownLatch answerGate)
        throws IOException {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.answer = answer.getBytes(StandardCharsets.ISO_8859_1);
      this.closeAfter = closeAfter;
      this.answerGate = answerGate;
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
          char[] got = new char[length];
          int off = 0;
          while (off < length) {
            int n = lines.read(got, off, length - off);
            if (n < 0) {
              break;
            }
            off += n;
          }
          bodies.add(new String(got, 0, off));
          lastHead = List.copyOf(head);
          requests.incrementAndGet();
          answerGate.await();
          out.write(answer);
          out.flush();
          if (closeAfter) {
            return;
          }
        }
      } catch (IOException e) {
        // the gateway closed the connection
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
