package io.llamasupervisor.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;

/**
 * The payload of an HTTP/1.1 {@code Transfer-Encoding: chunked} body. Returns -1 only after the
 * terminating zero-length chunk (and its trailers) was read; a connection closed earlier throws
 * {@link EOFException}, a malformed chunk size {@link ProtocolException}. Does not close the
 * underlying stream.
 */
final class ChunkedInputStream extends InputStream {
  private final InputStream in;
  private long left; // bytes left in the current chunk
  private boolean finished;

  ChunkedInputStream(InputStream in) {
    this.in = in;
  }

  /** Whether the terminating chunk was read (the body is complete). */
  boolean finished() {
    return finished;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (finished) {
      return -1;
    }
    if (left == 0) {
      left = nextChunkSize();
      if (left == 0) {
        while (!HttpLines.read(in, "trailer").isEmpty()) {
          // skip trailers
        }
        finished = true;
        return -1;
      }
    }
    int n = in.read(b, off, (int) Math.min(len, left));
    if (n < 0) {
      throw new EOFException("connection closed inside a chunk");
    }
    left -= n;
    if (left == 0) {
      String end = HttpLines.read(in, "chunk end");
      if (!end.isEmpty()) {
        throw new ProtocolException("chunk not followed by CRLF: " + HttpLines.quote(end));
      }
    }
    return n;
  }

  private long nextChunkSize() throws IOException {
    String line = HttpLines.read(in, "chunk size");
    int semi = line.indexOf(';');
    String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
    try {
      long size = Long.parseLong(hex, 16);
      if (size < 0) {
        throw new NumberFormatException();
      }
      return size;
    } catch (NumberFormatException e) {
      throw new ProtocolException("bad chunk size " + HttpLines.quote(line));
    }
  }
}
