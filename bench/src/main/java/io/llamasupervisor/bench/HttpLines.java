package io.llamasupervisor.bench;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;

/** Reads the CRLF- (or LF-) terminated lines of HTTP/1.1 heads, chunk framing and SSE. */
final class HttpLines {
  static final int MAX_LINE = 1 << 20;

  private HttpLines() {}

  /**
   * The next line without its terminator.
   *
   * @throws EOFException when the stream ends before the terminator ({@code what} names the line)
   * @throws ProtocolException when the line is longer than {@link #MAX_LINE}
   */
  static String read(InputStream in, String what) throws IOException {
    String line = readOrNull(in);
    if (line == null) {
      throw new EOFException("connection closed before the " + what);
    }
    return line;
  }

  /** The next line, or null when the stream ends cleanly before its first byte. */
  static String readOrNull(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (buf.size() == 0) {
          return null;
        }
        throw new EOFException("connection closed inside a line");
      }
      if (c == '\n') {
        byte[] b = buf.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, len, StandardCharsets.UTF_8);
      }
      if (buf.size() >= MAX_LINE) {
        throw new ProtocolException("line longer than " + MAX_LINE + " bytes");
      }
      buf.write(c);
    }
  }

  /** {@code text} quoted and cut to 80 characters, for messages. */
  static String quote(String text) {
    return quote(text, 80);
  }

  /** {@code text} quoted and cut to {@code max} characters. */
  static String quote(String text, int max) {
    String t = text.length() > max ? text.substring(0, max) + "..." : text;
    return "'" + t + "'";
  }
}
