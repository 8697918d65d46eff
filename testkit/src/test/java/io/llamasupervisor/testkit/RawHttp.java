package io.llamasupervisor.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 client for tests that look at the wire: exact headers, chunk boundaries of event
 * streams, and connections left unanswered.
 */
final class RawHttp implements AutoCloseable {
  /** A response head plus what was read of the body. */
  record Response(int status, Map<String, String> headers, String body, List<String> chunks) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private Response head;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static RawHttp connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    return new RawHttp(s);
  }

  /** Sends a request; {@code body} may be null. Extra headers as {@code "Name: value"}. */
  RawHttp send(String method, String path, String body, String... headers) throws IOException {
    return send("HTTP/1.1", method, path, body, headers);
  }

  /** Sends an HTTP/1.0 request without a body. */
  RawHttp sendHttp10(String method, String path, String... headers) throws IOException {
    return send("HTTP/1.0", method, path, null, headers);
  }

  private RawHttp send(String version, String method, String path, String body, String... headers)
      throws IOException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(path).append(' ').append(version).append("\r\n");
    sb.append("Host: 127.0.0.1\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    if (body != null) {
      sb.append("Content-Type: application/json\r\n");
      sb.append("Content-Length: ").append(b.length).append("\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    out.write(b);
    out.flush();
    return this;
  }

  /** Reads the status line and headers. */
  Response readHead(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    head = new Response(Integer.parseInt(status.split(" ")[1]), headers, "", List.of());
    return head;
  }

  /**
   * The next HTTP chunk's data, "" for the terminating zero-length chunk, null at end of stream.
   *
   * @throws SocketTimeoutException when nothing arrives in time
   */
  String nextChunk(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    String size = line();
    if (size == null) {
      return null;
    }
    int n = Integer.parseInt(size.trim(), 16);
    byte[] data = in.readNBytes(n);
    line();
    return new String(data, StandardCharsets.UTF_8);
  }

  /** Reads a whole response (Content-Length, chunked, or until close). */
  Response readResponse(Duration timeout) throws IOException {
    Response h = readHead(timeout);
    List<String> chunks = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    if ("chunked".equalsIgnoreCase(h.header("transfer-encoding"))) {
      String c;
      while ((c = nextChunk(timeout)) != null && !c.isEmpty()) {
        chunks.add(c);
        body.append(c);
      }
      if (c != null) {
        chunks.add("");
      }
    } else if (h.header("content-length") != null) {
      byte[] b = in.readNBytes(Integer.parseInt(h.header("content-length")));
      body.append(new String(b, StandardCharsets.UTF_8));
    } else {
      body.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    return new Response(h.status(), h.headers(), body.toString(), chunks);
  }

  /** True when the server closed the connection (EOF) within the timeout. */
  boolean closedByServer(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** One request on a fresh connection. */
  static Response exchange(int port, String method, String path, String body, String... headers)
      throws IOException {
    try (RawHttp c = connect(port)) {
      return c.send(method, path, body, headers).readResponse(Duration.ofSeconds(10));
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
