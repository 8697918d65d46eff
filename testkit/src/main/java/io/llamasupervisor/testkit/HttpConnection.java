package io.llamasupervisor.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One client connection, speaking HTTP/1.1 the way llama-server's cpp-httplib does (observed on
 * b10470). Responses carry {@code Server: llama.cpp} and {@code Access-Control-Allow-Origin}. The
 * head says {@code Connection: close} when the client sent {@code Connection: close}, for every
 * status of 400 and above, and on the 100th request of a connection; otherwise {@code Keep-Alive:
 * timeout=5, max=100}. The header does not decide what happens to the socket: after an error the
 * connection stays open (the next request is served) unless the request's body was never read
 * (answered before routing: loading, API key, no such route); HTTP/1.0 without {@code Connection:
 * Keep-Alive}, {@code Connection: close} and the 100th request close it; an event stream closes it
 * when the stream ends, whatever its head said. An idle connection is closed after 5 s.
 */
final class HttpConnection {
  static final int KEEP_ALIVE_MS = 5000;
  static final int KEEP_ALIVE_MAX = 100;
  private static final int MAX_HEADER_BYTES = 64 * 1024;
  private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private int served;

  HttpConnection(Socket socket) throws IOException {
    this.socket = socket;
    socket.setTcpNoDelay(true);
    this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
  }

  /** Thrown when the request cannot be parsed; answered with 400 and the connection closed. */
  static final class BadRequest extends IOException {
    BadRequest(String message) {
      super(message);
    }
  }

  /**
   * Reads the next request, waiting at most the keep-alive time for it to start.
   *
   * @return null when the client closed the connection or stayed idle too long
   */
  HttpRequest read() throws IOException {
    socket.setSoTimeout(KEEP_ALIVE_MS);
    String requestLine;
    try {
      requestLine = line(true);
    } catch (SocketTimeoutException e) {
      return null;
    }
    if (requestLine == null) {
      return null;
    }
    socket.setSoTimeout(30_000);
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      throw new BadRequest("bad request line: " + requestLine);
    }
    Map<String, String> headers = new HashMap<>();
    int total = requestLine.length();
    while (true) {
      String h = line(false);
      if (h == null) {
        throw new EOFException("connection closed inside the headers");
      }
      if (h.isEmpty()) {
        break;
      }
      total += h.length();
      if (total > MAX_HEADER_BYTES) {
        throw new BadRequest("headers too large");
      }
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest("bad header: " + h);
      }
      headers.put(
          h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    boolean framed = framed(headers);
    byte[] body = body(headers);
    String target = parts[1];
    int q = target.indexOf('?');
    return new HttpRequest(
        parts[0],
        q < 0 ? target : target.substring(0, q),
        HttpRequest.parseQuery(q < 0 ? null : target.substring(q + 1)),
        headers,
        body,
        parts[2],
        framed);
  }

  private static boolean framed(Map<String, String> headers) {
    String te = headers.get("transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      return true;
    }
    try {
      return Long.parseLong(headers.getOrDefault("content-length", "0").trim()) > 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private byte[] body(Map<String, String> headers) throws IOException {
    String te = headers.get("transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = line(false);
        if (sizeLine == null) {
          throw new EOFException("connection closed inside a chunked body");
        }
        int semi = sizeLine.indexOf(';');
        int size;
        try {
          size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new BadRequest("bad chunk size: " + sizeLine);
        }
        if (size == 0) {
          while (true) {
            String trailer = line(false);
            if (trailer == null || trailer.isEmpty()) {
              return buf.toByteArray();
            }
          }
        }
        if (buf.size() + size > MAX_BODY_BYTES) {
          throw new BadRequest("body too large");
        }
        buf.write(in.readNBytes(size));
        line(false);
      }
    }
    String cl = headers.get("content-length");
    if (cl == null) {
      return new byte[0];
    }
    int n;
    try {
      n = Integer.parseInt(cl.trim());
    } catch (NumberFormatException e) {
      throw new BadRequest("bad Content-Length: " + cl);
    }
    if (n < 0 || n > MAX_BODY_BYTES) {
      throw new BadRequest("bad Content-Length: " + cl);
    }
    byte[] body = in.readNBytes(n);
    if (body.length != n) {
      throw new EOFException("connection closed inside the body");
    }
    return body;
  }

  /** One CRLF- (or LF-) terminated line; null at end of stream before any byte. */
  private String line(boolean first) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (sb.length() == 0) {
          return null;
        }
        throw new EOFException("connection closed inside a line");
      }
      if (c == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        if (first && sb.length() == 0) {
          continue; // tolerate stray CRLF between requests
        }
        return sb.toString();
      }
      if (sb.length() > MAX_HEADER_BYTES) {
        throw new BadRequest("line too long");
      }
      sb.append((char) c);
    }
  }

  /**
   * Writes a complete response to a request whose body a handler has read (a routed request).
   *
   * @return whether the connection stays open
   */
  boolean respond(
      HttpRequest req, int status, String contentType, byte[] body, List<String> extraHeaders)
      throws IOException {
    return write(req, status, contentType, body, extraHeaders, true);
  }

  boolean respondJson(HttpRequest req, int status, String json) throws IOException {
    return respond(
        req,
        status,
        "application/json; charset=utf-8",
        json.getBytes(StandardCharsets.UTF_8),
        List.of());
  }

  /**
   * Answers before routing, without reading the body (the loading gate, the API key check, no
   * route): an error with an unread body closes the connection.
   *
   * @return whether the connection stays open
   */
  boolean respondUnrouted(HttpRequest req, int status, String json) throws IOException {
    return write(
        req,
        status,
        "application/json; charset=utf-8",
        json.getBytes(StandardCharsets.UTF_8),
        List.of(),
        false);
  }

  /** The CORS preflight answer to {@code OPTIONS} (before routing, even while loading). */
  boolean respondPreflight(HttpRequest req) throws IOException {
    return write(
        req,
        200,
        "text/html",
        new byte[0],
        List.of(
            "Access-Control-Allow-Credentials: true",
            "Access-Control-Allow-Methods: GET, POST, DELETE, OPTIONS",
            "Access-Control-Allow-Headers: *"),
        false);
  }

  private boolean write(
      HttpRequest req,
      int status,
      String contentType,
      byte[] body,
      List<String> extraHeaders,
      boolean bodyRead)
      throws IOException {
    boolean last = ++served >= KEEP_ALIVE_MAX;
    boolean closeHead = req == null || req.asksToClose() || status >= 400 || last;
    boolean keep =
        req != null && req.persistent() && !last && !(closeHead && !bodyRead && req.framedBody());
    StringBuilder h = head(req, status, extraHeaders);
    h.append("Content-Type: ").append(contentType).append("\r\n");
    h.append("Content-Length: ").append(body.length).append("\r\n");
    h.append(closeHead ? "Connection: close" : "Keep-Alive: timeout=5, max=" + KEEP_ALIVE_MAX);
    h.append("\r\n\r\n");
    out.write(h.toString().getBytes(StandardCharsets.UTF_8));
    out.write(body);
    out.flush();
    return keep;
  }

  /**
   * Starts a server-sent event stream (chunked). Its head follows the keep-alive rules, but the
   * connection is closed when the stream ends.
   */
  void startEventStream(HttpRequest req) throws IOException {
    boolean last = ++served >= KEEP_ALIVE_MAX;
    StringBuilder h = head(req, 200, List.of("X-Accel-Buffering: no"));
    h.append("Content-Type: text/event-stream\r\n");
    h.append("Transfer-Encoding: chunked\r\n");
    h.append(
        req.asksToClose() || last
            ? "Connection: close"
            : "Keep-Alive: timeout=5, max=" + KEEP_ALIVE_MAX);
    h.append("\r\n\r\n");
    out.write(h.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Sends one HTTP chunk holding {@code data} (one or more SSE events). */
  void chunk(String data) throws IOException {
    byte[] b = data.getBytes(StandardCharsets.UTF_8);
    out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(b);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Sends an SSE comment ping ({@code :\n\n}), what llama-server writes into a silent stream. */
  void ping() throws IOException {
    chunk(":\n\n");
  }

  /** Ends a chunked stream with the zero-length chunk. */
  void endChunks() throws IOException {
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static StringBuilder head(HttpRequest req, int status, List<String> extraHeaders) {
    StringBuilder h = new StringBuilder(256);
    h.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    h.append("Server: llama.cpp\r\n");
    String origin = req == null ? null : req.header("origin");
    h.append("Access-Control-Allow-Origin: ").append(origin == null ? "" : origin).append("\r\n");
    for (String e : extraHeaders) {
      h.append(e).append("\r\n");
    }
    return h;
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  /**
   * True when the client has closed its side. Looks without consuming: a pipelined byte stays in
   * the buffer.
   */
  boolean clientGone() {
    try {
      socket.setSoTimeout(1);
      in.mark(1);
      int c = in.read();
      if (c < 0) {
        return true;
      }
      in.reset();
      return false;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Blocks until the client closes the connection (how llama-server waits during shutdown). */
  void awaitClientClose() {
    try {
      socket.setSoTimeout(0);
      byte[] sink = new byte[4096];
      while (in.read(sink) >= 0) {
        // discard whatever the client still sends
      }
    } catch (IOException e) {
      // reset by the client: gone as well
    }
  }

  void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
