package io.llamasupervisor.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads HTTP/1.1 responses from the bytes of one backend connection, one response per request, and
 * hands them on without re-encoding: the head parsed once ({@link ResponseHead}), the body twice
 * over the same bytes — as {@link Sink#data} pieces without framing (for token counts, the cache,
 * conversations) and as {@link Sink#raw} slices exactly as received, chunk framing included, which
 * the gateway writes to its client as they are. Framing follows RFC 9112 6.3: no body for 1xx, 204
 * and 304; {@code Transfer-Encoding: chunked}; {@code Content-Length}; otherwise until the
 * connection closes. Interim 1xx heads are skipped. Anything malformed is a {@link
 * MalformedResponseException}; the connection must then be closed. Used on one event loop.
 */
final class ResponseParser {
  static final int MAX_HEAD = 16 * 1024;
  private static final int MAX_CHUNK_LINE = 1024;

  /** Where a parsed response goes. Calls come in order: head, then data/raw pieces, then end. */
  interface Sink {
    void head(ResponseHead head);

    /** Body bytes without framing; valid only during the call (retain a slice to keep them). */
    void data(ByteBuf data);

    /** Received body bytes with their framing; the callee owns (releases) {@code raw}. */
    void raw(ByteBuf raw);

    /** The body is complete. */
    void end();
  }

  /** The backend broke HTTP; the connection cannot be used further. */
  static final class MalformedResponseException extends Exception {
    MalformedResponseException(String message) {
      super(message);
    }
  }

  private enum State {
    HEAD,
    LENGTH,
    CHUNK_SIZE,
    CHUNK_EXTENSION,
    CHUNK_DATA,
    CHUNK_DATA_END,
    TRAILERS,
    UNTIL_CLOSE,
    DONE
  }

  private State state = State.HEAD;
  private CompositeByteBuf partialHead;
  private long remaining;
  private int lineLength;
  private boolean sawDigit;
  private boolean lineEmpty;
  private boolean extra;

  /** Counts {@link #reset()}s, so {@link #feed} notices one made from a sink's {@code end()}. */
  private int resets;

  /** Ready for the next response on the same connection (also from within {@link Sink#end}). */
  void reset() {
    resets++;
    state = State.HEAD;
    releasePartial();
    extra = false;
  }

  /** Whether the last response ended and nothing followed it. */
  boolean done() {
    return state == State.DONE && !extra;
  }

  /**
   * Parses what {@code in} holds; does not release it. When the sink's {@code end()} already reset
   * the parser for the next request on this connection, bytes left in {@code in} came before that
   * request was sent: they are refused, not read as its answer. After a {@link
   * MalformedResponseException} the parser holds no buffer (the connection is not reused).
   */
  void feed(ByteBuf in, Sink sink) throws MalformedResponseException {
    try {
      read(in, sink);
    } catch (MalformedResponseException e) {
      releasePartial();
      throw e;
    }
  }

  private void read(ByteBuf in, Sink sink) throws MalformedResponseException {
    int resetsBefore = resets;
    while (in.isReadable()) {
      if (resets != resetsBefore) {
        in.skipBytes(in.readableBytes());
        throw new MalformedResponseException("bytes after the end of a response");
      }
      switch (state) {
        case HEAD -> {
          if (!head(in, sink)) {
            return;
          }
        }
        case DONE -> {
          extra = true; // bytes after a complete response: the connection is not reused
          in.skipBytes(in.readableBytes());
        }
        case LENGTH, UNTIL_CLOSE -> {
          int n =
              state == State.UNTIL_CLOSE
                  ? in.readableBytes()
                  : (int) Math.min(remaining, in.readableBytes());
          ByteBuf piece = in.readSlice(n);
          sink.data(piece);
          sink.raw(piece.retain());
          if (state == State.LENGTH) {
            remaining -= n;
            if (remaining == 0) {
              state = State.DONE;
              sink.end();
            }
          }
        }
        default -> chunked(in, sink);
      }
    }
  }

  /**
   * Reads a head from {@code in} (joined with earlier parts); false when it is not complete yet.
   */
  private boolean head(ByteBuf in, Sink sink) throws MalformedResponseException {
    ByteBuf src = in;
    if (partialHead != null) {
      partialHead.addComponent(true, in.readRetainedSlice(in.readableBytes()));
      src = partialHead;
    }
    int end = headEnd(src);
    if (end < 0) {
      if (src.readableBytes() > MAX_HEAD) {
        throw new MalformedResponseException("response head larger than " + MAX_HEAD + " bytes");
      }
      if (partialHead == null) {
        partialHead = in.alloc().compositeBuffer(16);
        partialHead.addComponent(true, in.readRetainedSlice(in.readableBytes()));
      }
      return false;
    }
    int start = src.readerIndex();
    ResponseHead h = ResponseHead.parse(src, start, end - start);
    src.readerIndex(end);
    if (src == partialHead) {
      // what followed the head in the joined buffer is the start of the body
      ByteBuf rest = partialHead.readableBytes() > 0 ? partialHead.copy() : Unpooled.EMPTY_BUFFER;
      releasePartial();
      begin(h, sink);
      if (rest.isReadable()) {
        try {
          feed(rest, sink);
        } finally {
          rest.release();
        }
      }
      return true;
    }
    begin(h, sink);
    return true;
  }

  private void begin(ResponseHead h, Sink sink) throws MalformedResponseException {
    if (h.interim()) {
      state = State.HEAD; // 100 Continue and friends: the real head follows
      return;
    }
    sink.head(h);
    switch (h.framing()) {
      case NONE -> {
        state = State.DONE;
        sink.end();
      }
      case LENGTH -> {
        remaining = h.contentLength();
        state = remaining == 0 ? State.DONE : State.LENGTH;
        if (remaining == 0) {
          sink.end();
        }
      }
      case CHUNKED -> startChunkSize();
      case UNTIL_CLOSE -> state = State.UNTIL_CLOSE;
    }
  }

  /** Index just past the blank line that ends the head, or -1. */
  private static int headEnd(ByteBuf b) {
    int from = b.readerIndex();
    int to = b.writerIndex();
    for (int i = b.indexOf(from, to, (byte) '\n'); i >= 0; i = b.indexOf(i + 1, to, (byte) '\n')) {
      if (i + 1 < to && b.getByte(i + 1) == '\n') {
        return i + 2;
      }
      if (i + 2 < to && b.getByte(i + 1) == '\r' && b.getByte(i + 2) == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  private void startChunkSize() {
    state = State.CHUNK_SIZE;
    remaining = 0;
    lineLength = 0;
    sawDigit = false;
  }

  /** Walks chunk framing byte by byte and chunk data as slices; hands on what it passed as raw. */
  private void chunked(ByteBuf in, Sink sink) throws MalformedResponseException {
    int rawStart = in.readerIndex();
    while (in.isReadable() && state != State.DONE) {
      if (state == State.CHUNK_DATA) {
        int n = (int) Math.min(remaining, in.readableBytes());
        sink.data(in.readSlice(n));
        remaining -= n;
        if (remaining == 0) {
          state = State.CHUNK_DATA_END;
          lineLength = 0;
        }
        continue;
      }
      byte c = in.readByte();
      if (++lineLength > MAX_CHUNK_LINE) {
        throw new MalformedResponseException("chunk line longer than " + MAX_CHUNK_LINE);
      }
      switch (state) {
        case CHUNK_SIZE -> chunkSize(c);
        case CHUNK_EXTENSION -> {
          if (c == '\n') {
            chunkLineDone();
          }
        }
        case CHUNK_DATA_END -> {
          if (c == '\n') {
            startChunkSize();
          } else if (c != '\r') {
            throw new MalformedResponseException("chunk data not followed by CRLF");
          }
        }
        case TRAILERS -> {
          if (c == '\n') {
            if (lineEmpty) {
              state = State.DONE;
            }
            lineEmpty = true;
            lineLength = 0;
          } else if (c != '\r') {
            lineEmpty = false;
          }
        }
        default -> throw new IllegalStateException(state.name());
      }
    }
    int n = in.readerIndex() - rawStart;
    if (n > 0) {
      sink.raw(in.retainedSlice(rawStart, n));
    }
    if (state == State.DONE) {
      sink.end();
    }
  }

  private void chunkSize(byte c) throws MalformedResponseException {
    int digit = Character.digit(c, 16);
    if (digit >= 0) {
      if (remaining > (Long.MAX_VALUE >> 4)) {
        throw new MalformedResponseException("chunk size too large");
      }
      remaining = remaining * 16 + digit;
      sawDigit = true;
    } else if (c == ';' || c == ' ' || c == '\t') {
      state = State.CHUNK_EXTENSION;
    } else if (c == '\n') {
      chunkLineDone();
    } else if (c != '\r') {
      throw new MalformedResponseException("bad chunk size character " + (c & 0xff));
    }
  }

  private void chunkLineDone() throws MalformedResponseException {
    if (!sawDigit) {
      throw new MalformedResponseException("chunk size missing");
    }
    lineLength = 0;
    if (remaining == 0) {
      state = State.TRAILERS;
      lineEmpty = true;
    } else {
      state = State.CHUNK_DATA;
    }
  }

  /** The connection closed; true when that ended a body that lasts until close (then ended). */
  boolean closed(Sink sink) {
    releasePartial();
    if (state == State.UNTIL_CLOSE) {
      state = State.DONE;
      sink.end();
      return true;
    }
    return false;
  }

  private void releasePartial() {
    if (partialHead != null) {
      partialHead.release();
      partialHead = null;
    }
  }

  /** How a response body is delimited. */
  enum Framing {
    NONE,
    LENGTH,
    CHUNKED,
    UNTIL_CLOSE
  }

  /**
   * A response head as the backend sent it: status, reason, the header fields in order (names and
   * values as ISO-8859-1 text, so they are written back byte for byte) and what they say about
   * framing and reuse. {@code connectionOptions} are the names the {@code Connection} field lists
   * besides {@code close} and {@code keep-alive}: fields of this hop only (RFC 9110 7.6.1), never
   * relayed; usually none.
   */
  record ResponseHead(
      int status,
      String reason,
      List<String> names,
      List<String> values,
      Framing framing,
      long contentLength,
      boolean keepAlive,
      String contentType,
      List<String> connectionOptions) {

    /** Whether the {@code Connection} field names {@code field} as one of this hop's own. */
    boolean namedByConnection(String field) {
      for (int i = 0; i < connectionOptions.size(); i++) {
        if (connectionOptions.get(i).equalsIgnoreCase(field)) {
          return true;
        }
      }
      return false;
    }

    boolean interim() {
      return status >= 100 && status < 200;
    }

    /** The first value of {@code name} (case-insensitive), or null. */
    String get(String name) {
      for (int i = 0; i < names.size(); i++) {
        if (names.get(i).equalsIgnoreCase(name)) {
          return values.get(i);
        }
      }
      return null;
    }

    static ResponseHead parse(ByteBuf b, int from, int length) throws MalformedResponseException {
      // read from the bytes themselves: one String per name and per value, no copy of the head
      byte[] h;
      int base;
      if (b.hasArray()) {
        h = b.array();
        base = b.arrayOffset() + from;
      } else {
        h = new byte[length];
        b.getBytes(from, h);
        base = 0;
      }
      int end = base + length;
      int eol = indexOf(h, base, end, '\n');
      if (eol < 0) {
        throw new MalformedResponseException("no end of the status line");
      }
      String statusLine = latin1(h, base, withoutCr(h, base, eol));
      // HTTP/1.x SP 3DIGIT [SP reason]
      if (!statusLine.startsWith("HTTP/1.")
          || statusLine.length() < 12
          || statusLine.charAt(8) != ' ') {
        throw new MalformedResponseException("bad status line: " + printable(statusLine));
      }
      boolean http11 = statusLine.charAt(7) != '0';
      int status = 0;
      for (int i = 9; i < 12; i++) {
        char c = statusLine.charAt(i);
        if (c < '0' || c > '9') {
          throw new MalformedResponseException("bad status code: " + printable(statusLine));
        }
        status = status * 10 + (c - '0');
      }
      if (status < 100 || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
        throw new MalformedResponseException("bad status code: " + printable(statusLine));
      }
      if (status == 101) {
        throw new MalformedResponseException("the backend switched protocols");
      }
      String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
      List<String> names = new ArrayList<>(12);
      List<String> values = new ArrayList<>(12);
      long contentLength = -1;
      boolean chunked = false;
      boolean otherCoding = false;
      Boolean connectionKeepAlive = null;
      List<String> connectionOptions = List.of();
      String contentType = "";
      int at = eol + 1;
      while (at < end) {
        int next = indexOf(h, at, end, '\n');
        int lineStart = at;
        int lineEnd = withoutCr(h, lineStart, next < 0 ? end : next);
        at = next < 0 ? end : next + 1;
        if (lineEnd == lineStart) {
          break;
        }
        int colon = indexOf(h, lineStart, lineEnd, ':');
        if (colon <= lineStart || h[lineStart] == ' ' || h[lineStart] == '\t') {
          throw new MalformedResponseException(
              "bad header line: " + printable(latin1(h, lineStart, lineEnd)));
        }
        for (int i = lineStart; i < colon; i++) {
          int c = h[i] & 0xff;
          if (c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == '"' || c == '/') {
            throw new MalformedResponseException(
                "bad header name: " + printable(latin1(h, lineStart, colon)));
          }
        }
        String name = latin1(h, lineStart, colon);
        int vs = colon + 1;
        int ve = lineEnd;
        while (vs < ve && Character.isWhitespace((char) (h[vs] & 0xff))) {
          vs++;
        }
        while (ve > vs && Character.isWhitespace((char) (h[ve - 1] & 0xff))) {
          ve--;
        }
        for (int i = vs; i < ve; i++) {
          if (h[i] == '\r' || h[i] == 0) {
            throw new MalformedResponseException("bad header value of " + name);
          }
        }
        String value = latin1(h, vs, ve);
        names.add(name);
        values.add(value);
        if (name.equalsIgnoreCase("content-length")) {
          long n = parseLength(value);
          if (contentLength >= 0 && contentLength != n) {
            throw new MalformedResponseException("two different Content-Length values");
          }
          contentLength = n;
        } else if (name.equalsIgnoreCase("transfer-encoding")) {
          for (String coding : value.split(",")) {
            String c = coding.strip();
            if (c.equalsIgnoreCase("chunked")) {
              chunked = true;
              otherCoding = false;
            } else if (!c.isEmpty()) {
              otherCoding = true; // chunked must be the last coding
            }
          }
        } else if (name.equalsIgnoreCase("connection")) {
          for (String token : value.split(",")) {
            String t = token.strip();
            if (t.equalsIgnoreCase("close")) {
              connectionKeepAlive = false;
            } else if (t.equalsIgnoreCase("keep-alive")) {
              if (connectionKeepAlive == null) {
                connectionKeepAlive = true;
              }
            } else if (!t.isEmpty()) {
              if (connectionOptions.isEmpty()) {
                connectionOptions = new ArrayList<>(2);
              }
              connectionOptions.add(t);
            }
          }
        } else if (name.equalsIgnoreCase("content-type")) {
          contentType = value;
        }
      }
      boolean keepAlive = connectionKeepAlive != null ? connectionKeepAlive : http11;
      Framing framing;
      if (status < 200 || status == 204 || status == 304) {
        framing = Framing.NONE;
      } else if (chunked && !otherCoding) {
        framing = Framing.CHUNKED;
        keepAlive = keepAlive && contentLength < 0; // both: a smuggling risk, do not reuse
      } else if (chunked || otherCoding) {
        framing = Framing.UNTIL_CLOSE;
        keepAlive = false;
      } else if (contentLength >= 0) {
        framing = Framing.LENGTH;
      } else {
        framing = Framing.UNTIL_CLOSE;
        keepAlive = false;
      }
      return new ResponseHead(
          status,
          reason,
          names,
          values,
          framing,
          contentLength,
          keepAlive,
          contentType,
          connectionOptions);
    }

    private static long parseLength(String v) throws MalformedResponseException {
      if (v.isEmpty() || v.length() > 18) {
        throw new MalformedResponseException("bad Content-Length: " + printable(v));
      }
      long n = 0;
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c < '0' || c > '9') {
          throw new MalformedResponseException("bad Content-Length: " + printable(v));
        }
        n = n * 10 + (c - '0');
      }
      return n;
    }

    private static int indexOf(byte[] h, int from, int end, char c) {
      for (int i = from; i < end; i++) {
        if (h[i] == c) {
          return i;
        }
      }
      return -1;
    }

    /** {@code lineEnd}, or one less when the line ends with a carriage return. */
    private static int withoutCr(byte[] h, int lineStart, int lineEnd) {
      return lineEnd > lineStart && h[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
    }

    private static String latin1(byte[] h, int from, int to) {
      return new String(h, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String s) {
      String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
      StringBuilder sb = new StringBuilder(cut.length());
      for (char c : cut.toCharArray()) {
        sb.append(c < ' ' || c >= 0x7f ? '?' : c);
      }
      return sb.toString();
    }
  }
}
