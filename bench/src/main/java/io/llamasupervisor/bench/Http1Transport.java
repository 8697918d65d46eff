package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A plain-socket HTTP/1.1 client for one bench client. With keep-alive it reuses one connection
 * while the backend allows it (and for less than the idle time the server announced, minus a
 * margin); without, every request goes over a new connection with {@code Connection: close}. A
 * reused connection found closed before any response byte is retried once on a new one, as HTTP
 * clients do with stale pooled connections; the retry is counted. Not thread-safe apart from {@link
 * #abort()}.
 */
final class Http1Transport implements BackendTransport {
  /** Assumed server idle timeout when the response does not announce one. */
  static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(5);

  /** Reuse a connection only if it was idle this much less than the server's idle timeout. */
  static final Duration KEEP_ALIVE_MARGIN = Duration.ofSeconds(1);

  private final boolean keepAlive;
  private final int connectTimeoutMs;
  private final int readTimeoutMs;
  private final String apiKey;
  private final Clock clock;
  private Pooled pooled;
  private volatile Socket active;
  private volatile boolean aborted;
  private int staleRetries;

  /**
   * @param keepAlive reuse connections, or open a new one per request
   * @param connectTimeout limit for opening a connection
   * @param readTimeout longest silence while waiting for response bytes
   * @param apiKey sent as {@code Authorization: Bearer} to the backends, or null
   * @param clock measures connection idle time
   */
  Http1Transport(
      boolean keepAlive,
      Duration connectTimeout,
      Duration readTimeout,
      String apiKey,
      Clock clock) {
    this.keepAlive = keepAlive;
    this.connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.readTimeoutMs = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
    this.apiKey = apiKey;
    this.clock = clock;
  }

  @Override
  public Outcome send(BackendRoute backend, BenchRequest request) {
    Target target = Target.of(backend);
    Socket socket = takePooled(target);
    if (socket != null) {
      ResponseReader.Result r = exchange(socket, target, request);
      if (!r.noResponse() || aborted) {
        return finish(socket, target, r);
      }
      close(socket);
      staleRetries++;
    }
    try {
      socket = connect(target);
    } catch (IOException e) {
      return Outcome.failed(
          FailureKind.of(e, FailureKind.Phase.CONNECT, request.stream()),
          0,
          0,
          "cannot connect to " + target.authority + ": " + e);
    }
    return finish(socket, target, exchange(socket, target, request));
  }

  @Override
  public int staleRetries() {
    return staleRetries;
  }

  @Override
  public void abort() {
    aborted = true;
    Socket s = active;
    if (s != null) {
      close(s);
    }
  }

  @Override
  public void close() {
    if (pooled != null) {
      close(pooled.socket);
      pooled = null;
    }
  }

  private Outcome finish(Socket socket, Target target, ResponseReader.Result r) {
    active = null;
    if (keepAlive && r.reusable() && !aborted) {
      Duration idle = r.keepAlive() == null ? DEFAULT_KEEP_ALIVE : r.keepAlive();
      pooled = new Pooled(socket, target, clock.instant().plus(idle.minus(KEEP_ALIVE_MARGIN)));
    } else {
      close(socket);
    }
    return r.outcome();
  }

  /** The pooled connection to {@code target} if still fresh; any other pooled one is closed. */
  private Socket takePooled(Target target) {
    Pooled p = pooled;
    pooled = null;
    if (p == null) {
      return null;
    }
    if (p.target.equals(target) && clock.instant().isBefore(p.reuseUntil) && !p.socket.isClosed()) {
      active = p.socket;
      return p.socket;
    }
    close(p.socket);
    return null;
  }

  private Socket connect(Target target) throws IOException {
    Socket s = new Socket();
    active = s;
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(target.host, target.port), connectTimeoutMs);
      return s;
    } catch (IOException e) {
      close(s);
      active = null;
      throw e;
    }
  }

  private ResponseReader.Result exchange(Socket socket, Target target, BenchRequest request) {
    InputStream in;
    try {
      socket.setSoTimeout(readTimeoutMs);
      OutputStream out = socket.getOutputStream();
      out.write(head(target, request));
      out.write(request.body());
      out.flush();
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    } catch (IOException e) {
      return new ResponseReader.Result(
          Outcome.failed(
              FailureKind.of(e, FailureKind.Phase.HEAD, request.stream()),
              0,
              0,
              "cannot send the request: " + e),
          false,
          null,
          true);
    }
    return ResponseReader.read(in, request.stream());
  }

  private byte[] head(Target target, BenchRequest request) {
    StringBuilder h = new StringBuilder(256);
    h.append("POST ").append(target.pathPrefix).append(request.path()).append(" HTTP/1.1\r\n");
    h.append("Host: ").append(target.authority).append("\r\n");
    h.append("User-Agent: llama-supervisor-bench\r\n");
    h.append("Content-Type: application/json\r\n");
    h.append("Accept: ")
        .append(request.stream() ? "text/event-stream" : "application/json")
        .append("\r\n");
    h.append("Content-Length: ").append(request.body().length).append("\r\n");
    if (apiKey != null) {
      h.append("Authorization: Bearer ").append(apiKey).append("\r\n");
    }
    h.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n\r\n");
    return h.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private record Pooled(Socket socket, Target target, Instant reuseUntil) {}

  /** Where a backend's url points. */
  private record Target(String host, int port, String authority, String pathPrefix) {
    static Target of(BackendRoute b) {
      URI u = URI.create(b.url());
      String host = u.getHost() != null ? u.getHost() : b.host();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = u.getPort() > 0 ? u.getPort() : b.port();
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      if (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      String authority = u.getRawAuthority() != null ? u.getRawAuthority() : host + ":" + port;
      return new Target(host, port, authority, path);
    }
  }
}
