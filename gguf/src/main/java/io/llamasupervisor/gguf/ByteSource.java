package io.llamasupervisor.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Sequential little-endian reads over a file channel through one fixed buffer. Every read checks
 * the file size first and fails with {@link Reason#TRUNCATED}, naming the current section and
 * offset; nothing is ever allocated from a length read out of the file beyond the caller's cap.
 */
final class ByteSource {
  private static final int BUFFER = 1 << 16;

  /** Positional reads: fill {@code dst} from file offset {@code position}; -1 at end of file. */
  @FunctionalInterface
  interface ReadAt {
    int read(ByteBuffer dst, long position) throws IOException;
  }

  private final ReadAt channel;
  private final long size;
  private final ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
  private long bufStart; // file offset of buf[0]
  private Section section = Section.HEADER;

  ByteSource(ReadAt channel, long size) {
    this.channel = channel;
    this.size = size;
    buf.limit(0);
  }

  long size() {
    return size;
  }

  long position() {
    return bufStart + buf.position();
  }

  long remaining() {
    return size - position();
  }

  void section(Section s) {
    section = s;
  }

  Section section() {
    return section;
  }

  GgufFormatException truncated(long need) {
    return new GgufFormatException(
        Reason.TRUNCATED,
        "truncated "
            + section.label()
            + ": need "
            + need
            + " bytes at offset "
            + position()
            + " but the file ends at "
            + size);
  }

  /** Makes at least {@code n} (≤ buffer size) bytes readable from the buffer. */
  private void ensure(int n) throws GgufFormatException, IOException {
    if (buf.remaining() >= n) {
      return;
    }
    if (remaining() < n) {
      throw truncated(n);
    }
    long pos = position();
    buf.compact();
    bufStart = pos;
    // fill until n bytes are available
    while (buf.position() < n) {
      int r = channel.read(buf, bufStart + buf.position());
      if (r < 0) {
        buf.flip();
        throw truncated(n);
      }
    }
    buf.flip();
  }

  int u8() throws GgufFormatException, IOException {
    ensure(1);
    return buf.get() & 0xFF;
  }

  int u16() throws GgufFormatException, IOException {
    ensure(2);
    return buf.getShort() & 0xFFFF;
  }

  int i32() throws GgufFormatException, IOException {
    ensure(4);
    return buf.getInt();
  }

  long u32() throws GgufFormatException, IOException {
    return i32() & 0xFFFFFFFFL;
  }

  long i64() throws GgufFormatException, IOException {
    ensure(8);
    return buf.getLong();
  }

  float f32() throws GgufFormatException, IOException {
    ensure(4);
    return buf.getFloat();
  }

  double f64() throws GgufFormatException, IOException {
    ensure(8);
    return buf.getDouble();
  }

  /** Skips {@code n} bytes, which must lie inside the file. */
  void skip(long n) throws GgufFormatException {
    if (n < 0 || n > remaining()) {
      throw truncated(n);
    }
    if (n <= buf.remaining()) {
      buf.position(buf.position() + (int) n);
    } else {
      bufStart = position() + n;
      buf.clear().limit(0);
    }
  }

  /**
   * Reads {@code n} bytes as UTF-8, keeping at most {@code keep} of them; the rest is skipped.
   * {@code n} must already be checked against the caller's cap.
   */
  String utf8(long n, int keep) throws GgufFormatException, IOException {
    if (n > remaining()) {
      throw truncated(n);
    }
    int take = (int) Math.min(n, keep);
    String s;
    if (take <= BUFFER) {
      ensure(take);
      s = decode(buf.array(), buf.arrayOffset() + buf.position(), take);
      buf.position(buf.position() + take);
    } else {
      byte[] out = new byte[take];
      int done = 0;
      while (done < take) {
        int chunk = Math.min(BUFFER, take - done);
        ensure(chunk);
        buf.get(out, done, chunk);
        done += chunk;
      }
      s = new String(out, StandardCharsets.UTF_8);
    }
    skip(n - take);
    return s;
  }

  private static String decode(byte[] a, int off, int len) {
    // fast path for ASCII, which nearly every key is
    for (int i = 0; i < len; i++) {
      if (a[off + i] < 0) {
        return new String(a, off, len, StandardCharsets.UTF_8);
      }
    }
    return new String(a, off, len, StandardCharsets.ISO_8859_1);
  }
}
