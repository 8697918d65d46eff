package io.llamasupervisor.health;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The probes' HTTP/1.1 GET on a plain socket: one connection per exchange ({@code Connection:
 * close}), a body of at most {@link #MAX_BODY} bytes, {@code Content-Length}, chunked or
 * read-to-close bodies. A probe costs a connect, one write and a few reads (a tenth of the CPU of
 * the JDK client, whose asynchronous machinery dominates for small answers), which matters when
 * every instance of a fleet is probed every few seconds.
 *
 * <p>Exchanges run on one shared pool of daemon threads that grows only while exchanges overlap
 * (one thread per exchange in flight, idle threads end after 30 s). The returned future always
 * completes within the timeout: at the deadline the socket is closed, which ends the exchange.
 */
final class PlainHttp implements HttpCall.Transport {
  static final int MAX_BODY = 1 << 20;

  /** The instance every probe of this package uses by default. */
  static final PlainHttp SHARED = new PlainHttp();

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ExecutorService pool =
      new java.util.concurrent.ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          30,
          TimeUnit.SECONDS,
          new java.util.concurrent.SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(null, r, "health-probe-" + THREADS.incrementAndGet(), 256 * 1024);
            t.setDaemon(true);
            return t;
          });

  private PlainHttp() {}

  @Override
  public CompletableFuture<HttpCall.Reply> get(
      URI base, String path, Duration timeout, Optional<String> bearer) {
    URI uri = HttpCall.resolve(base, path);
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      return CompletableFuture.completedFuture(
          new HttpCall.Failure(
              ProbeResult.probeError(new IllegalArgumentException("not an http URL: " + uri))));
    }
    AtomicReference<Socket> open = new AtomicReference<>();
    CompletableFuture<HttpCall.Reply> reply;
    try {
      reply = CompletableFuture.supplyAsync(() -> exchange(uri, bearer, timeout, open), pool);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new HttpCall.Failure(ProbeResult.probeError(e)));
    }
    reply =
        reply.completeOnTimeout(
            new HttpCall.Failure(ProbeResult.timedOut(timeout)),
            Math.max(1, timeout.toMillis()),
            TimeUnit.MILLISECONDS);
    reply.whenComplete((r, e) -> closeQuietly(open.getAndSet(null)));
    return reply;
  }

  private static HttpCall.Reply exchange(
      URI uri, Optional<String> bearer, Duration timeout, AtomicReference<Socket> open) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      target += "?" + uri.getRawQuery();
    }
    try (Socket socket = new Socket()) {
      open.set(socket);
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(uri.getHost(), port), remainingMillis(deadline));
      StringBuilder request =
          new StringBuilder(128)
              .append("GET ")
              .append(target)
              .append(" HTTP/1.1\r\nHost: ")
              .append(uri.getHost())
              .append(':')
              .append(port)
              .append("\r\nAccept: */*\r\nConnection: close\r\n");
      bearer.ifPresent(k -> request.append("Authorization: Bearer ").append(k).append("\r\n"));
      request.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return parse(readAll(socket, deadline));
    } catch (ConnectException e) {
      return new HttpCall.Failure(ProbeResult.refused());
    } catch (SocketTimeoutException e) {
      return new HttpCall.Failure(ProbeResult.timedOut(timeout));
    } catch (IOException e) {
      return System.nanoTime() - deadline >= 0
          ? new HttpCall.Failure(ProbeResult.timedOut(timeout))
          : new HttpCall.Failure(ProbeResult.connectionError(ProbeResult.describe(e)));
    } catch (RuntimeException e) {
      return new HttpCall.Failure(ProbeResult.probeError(e));
    } finally {
      open.set(null);
    }
  }

  private static byte[] readAll(Socket socket, long deadline) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
    byte[] chunk = new byte[8192];
    while (true) {
      socket.setSoTimeout(remainingMillis(deadline));
      int n = in.read(chunk);
      if (n < 0) {
        return buf.toByteArray();
      }
      buf.write(chunk, 0, n);
      if (buf.size() > MAX_BODY + 64 * 1024) {
        throw new IOException("answer larger than " + MAX_BODY + " bytes");
      }
      if (complete(buf.toByteArray())) {
        return buf.toByteArray(); // do not wait for the server to close
      }
    }
  }

  /** True when {@code bytes} holds a whole response with a {@code Content-Length} body. */
  private static boolean complete(byte[] bytes) {
    int end = headerEnd(bytes);
    if (end < 0) {
      return false;
    }
    String headers = new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    long length = contentLength(headers);
    return length >= 0 && bytes.length - (end + 4) >= length;
  }

  /** Parses a complete response; throws IOException when it is not one. */
  static HttpCall.Reply parse(byte[] bytes) throws IOException {
    int end = headerEnd(bytes);
    if (end < 0) {
      throw new IOException(
          bytes.length == 0 ? "connection closed without an answer" : "incomplete HTTP headers");
    }
    String headers = new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    String statusLine = headers.lines().findFirst().orElse("");
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad status line: " + statusLine);
    }
    int bodyStart = end + 4;
    byte[] body;
    long length = contentLength(headers);
    if (headers.toLowerCase(Locale.ROOT).contains("\ntransfer-encoding: chunked")) {
      body = dechunk(bytes, bodyStart);
    } else if (length >= 0) {
      if (bytes.length - bodyStart < length) {
        throw new IOException("connection closed inside the body");
      }
      body = java.util.Arrays.copyOfRange(bytes, bodyStart, bodyStart + (int) length);
    } else {
      body = java.util.Arrays.copyOfRange(bytes, bodyStart, bytes.length);
    }
    return new HttpCall.Response(status, new String(body, StandardCharsets.UTF_8));
  }

  private static int headerEnd(byte[] b) {
    for (int i = 0; i + 3 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static long contentLength(String headers) {
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        try {
          return Long.parseLong(line.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  private static byte[] dechunk(byte[] b, int at) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = at;
    while (true) {
      int lineEnd = indexOfCrlf(b, i);
      if (lineEnd < 0) {
        throw new IOException("connection closed inside a chunked body");
      }
      String size = new String(b, i, lineEnd - i, StandardCharsets.ISO_8859_1);
      int semi = size.indexOf(';');
      int n;
      try {
        n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size: " + size);
      }
      i = lineEnd + 2;
      if (n == 0) {
        return out.toByteArray();
      }
      if (n < 0 || i + n > b.length) {
        throw new IOException("connection closed inside a chunk");
      }
      out.write(b, i, n);
      i += n + 2;
    }
  }

  private static int indexOfCrlf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static int remainingMillis(long deadline) throws SocketTimeoutException {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (ms <= 0) {
      throw new SocketTimeoutException("deadline reached");
    }
    return (int) Math.min(Integer.MAX_VALUE, ms);
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing only ends an exchange that is over
      }
    }
  }
}
