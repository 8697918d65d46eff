package io.llamasupervisor.bench;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads one HTTP/1.1 response to a bench request from a connection and judges it: a non-2xx status
 * is an {@link FailureKind#HTTP_STATUS} failure, a stream must be {@code text/event-stream} and end
 * with {@code data: [DONE]}, a plain response must arrive complete. I/O errors are classified with
 * {@link FailureKind#of}; nothing is thrown.
 */
final class ResponseReader {
  private static final int MAX_BODY = 16 << 20;
  private static final int ERROR_BODY_SHOWN = 200;

  private ResponseReader() {}

  /**
   * What one response amounted to.
   *
   * @param outcome the request's outcome
   * @param reusable whether the connection may carry another request (body fully read, keep-alive)
   * @param keepAlive how long the server keeps an idle connection ({@code Keep-Alive: timeout=N}),
   *     or null when it did not say
   * @param noResponse whether the connection ended before the first byte of a response, so the
   *     request can be retried when it went over a reused connection
   */
  record Result(Outcome outcome, boolean reusable, Duration keepAlive, boolean noResponse) {}

  /** Reads the response to a request that asked for a stream or not. */
  static Result read(InputStream raw, boolean stream) {
    CountingStream in = new CountingStream(raw);
    Head head;
    try {
      head = Head.read(in);
    } catch (IOException e) {
      boolean none = in.count == 0;
      String detail = none ? "no response: " + e : "broken response head: " + e;
      return failed(FailureKind.of(e, FailureKind.Phase.HEAD, stream), 0, 0, detail, none);
    }
    InputStream body = head.body(in);
    if (head.status < 200 || head.status > 299) {
      return statusFailure(head, body);
    }
    return stream ? readStream(head, body) : readPlain(head, body);
  }

  private static Result statusFailure(Head head, InputStream body) {
    String text;
    boolean complete;
    try {
      byte[] b = body.readNBytes(64 * 1024);
      complete = body.read() < 0;
      text = new String(b, 0, Math.min(b.length, ERROR_BODY_SHOWN), StandardCharsets.UTF_8);
    } catch (IOException e) {
      complete = false;
      text = "(body unreadable: " + e + ")";
    }
    Outcome o = Outcome.failed(FailureKind.HTTP_STATUS, head.status, 0, text.strip());
    return new Result(o, complete && head.keepAlive(), head.keepAliveTimeout, false);
  }

  private static Result readStream(Head head, InputStream body) {
    if (!head.contentType.startsWith("text/event-stream")) {
      return new Result(
          Outcome.failed(
              FailureKind.PROTOCOL_ERROR,
              head.status,
              0,
              "asked for a stream, got Content-Type " + HttpLines.quote(head.contentType)),
          false,
          head.keepAliveTimeout,
          false);
    }
    SseScanner sse = new SseScanner();
    try {
      sse.scan(body);
    } catch (IOException e) {
      FailureKind kind = FailureKind.of(e, FailureKind.Phase.BODY, true);
      return failed(
          kind, head.status, sse.events(), "stream broke after " + sse.events() + " events: " + e);
    }
    if (!sse.done()) {
      String why =
          sse.error() != null
              ? "stream carried an error event " + HttpLines.quote(sse.error(), ERROR_BODY_SHOWN)
              : "stream ended after " + sse.events() + " events without data: [DONE]";
      return failed(FailureKind.TRUNCATED_STREAM, head.status, sse.events(), why);
    }
    if (sse.error() != null) {
      return failed(
          FailureKind.PROTOCOL_ERROR,
          head.status,
          sse.events(),
          "stream carried an error event " + HttpLines.quote(sse.error(), ERROR_BODY_SHOWN));
    }
    boolean reusable = false;
    if (head.keepAlive()) { // llama-server closes after a stream; others may keep the connection
      try {
        body.transferTo(OutputStream.nullOutputStream());
        reusable = true;
      } catch (IOException e) {
        // [DONE] arrived; a broken end of the body only costs the connection
      }
    }
    return new Result(
        Outcome.ok(head.status, sse.events()), reusable, head.keepAliveTimeout, false);
  }

  private static Result readPlain(Head head, InputStream body) {
    if (head.contentType.startsWith("text/event-stream")) {
      return failed(
          FailureKind.PROTOCOL_ERROR, head.status, 0, "asked for JSON, got an event stream");
    }
    byte[] b;
    try {
      b = body.readNBytes(MAX_BODY);
      if (body.read() >= 0) {
        return failed(
            FailureKind.PROTOCOL_ERROR, head.status, 0, "body larger than " + MAX_BODY + " bytes");
      }
    } catch (IOException e) {
      return failed(
          FailureKind.of(e, FailureKind.Phase.BODY, false),
          head.status,
          0,
          "response body broke: " + e);
    }
    String text = new String(b, StandardCharsets.UTF_8).strip();
    if (!text.startsWith("{")) {
      return failed(
          FailureKind.PROTOCOL_ERROR, head.status, 0, "body is not JSON: " + HttpLines.quote(text));
    }
    return new Result(Outcome.ok(head.status, 0), head.keepAlive(), head.keepAliveTimeout, false);
  }

  private static Result failed(
      FailureKind kind, int status, int events, String detail, boolean noResponse) {
    return new Result(Outcome.failed(kind, status, events, detail), false, null, noResponse);
  }

  private static Result failed(FailureKind kind, int status, int events, String detail) {
    return failed(kind, status, events, detail, false);
  }

  /** Status line and headers. */
  private record Head(
      int status,
      Map<String, String> headers,
      String contentType,
      boolean keepAlive,
      Duration keepAliveTimeout) {

    static Head read(InputStream in) throws IOException {
      String statusLine = HttpLines.readOrNull(in);
      if (statusLine == null) {
        throw new EOFException("connection closed without a response");
      }
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new ProtocolException("bad status line " + HttpLines.quote(statusLine));
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new ProtocolException("bad status line " + HttpLines.quote(statusLine));
      }
      Map<String, String> headers = new HashMap<>();
      String line;
      while (!(line = HttpLines.read(in, "end of the response headers")).isEmpty()) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new ProtocolException("bad header " + HttpLines.quote(line));
        }
        headers.put(
            line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).strip());
      }
      String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
      boolean keepAlive =
          parts[0].equals("HTTP/1.1")
              ? !connection.contains("close")
              : connection.contains("keep-alive");
      return new Head(
          status,
          headers,
          headers.getOrDefault("content-type", "").toLowerCase(Locale.ROOT),
          keepAlive,
          keepAliveTimeout(headers.get("keep-alive")));
    }

    /** The body's bytes, framed by chunking, Content-Length or the end of the connection. */
    InputStream body(InputStream in) {
      String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
      if (te.contains("chunked")) {
        return new ChunkedInputStream(in);
      }
      String cl = headers.get("content-length");
      if (cl != null) {
        try {
          return new LengthStream(in, Long.parseLong(cl.strip()));
        } catch (NumberFormatException e) {
          // fall through: read to the end of the connection
        }
      }
      return in;
    }

    /** Only a body framed by chunking or a length can leave the connection reusable. */
    @Override
    public boolean keepAlive() {
      return keepAlive
          && (headers.containsKey("content-length")
              || headers.getOrDefault("transfer-encoding", "").contains("chunked"));
    }

    private static Duration keepAliveTimeout(String value) {
      if (value == null) {
        return null;
      }
      for (String part : value.split(",")) {
        String p = part.strip();
        if (p.startsWith("timeout=")) {
          try {
            return Duration.ofSeconds(Long.parseLong(p.substring(8).strip()));
          } catch (NumberFormatException e) {
            return null;
          }
        }
      }
      return null;
    }
  }

  /** Counts the bytes read, to tell "no response at all" from "a response that broke". */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      if (c >= 0) {
        count++;
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }

  /** Exactly {@code length} bytes; ending early throws {@link EOFException}. */
  private static final class LengthStream extends InputStream {
    private final InputStream in;
    private long left;

    LengthStream(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("connection closed with " + left + " bytes of the body missing");
      }
      left -= n;
      return n;
    }
  }
}
