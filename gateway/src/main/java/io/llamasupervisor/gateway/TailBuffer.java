package io.llamasupervisor.gateway;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * The last {@link #LIMIT} bytes (at least) of a response, kept as retained slices of the buffers
 * that went to the client (no copy while streaming), copied once at the end for {@link UsageScan}.
 * Used on one event loop.
 */
final class TailBuffer {
  static final int LIMIT = 8192;
  private final ArrayDeque<ByteBuf> parts = new ArrayDeque<>();
  private int size;

  void add(ByteBuf content) {
    int n = content.readableBytes();
    if (n == 0) {
      return;
    }
    if (n > LIMIT) {
      clear();
      parts.add(content.retainedSlice(content.readerIndex() + n - LIMIT, LIMIT));
      size = LIMIT;
      return;
    }
    parts.add(content.retainedSlice());
    size += n;
    while (size - parts.peekFirst().readableBytes() >= LIMIT) {
      ByteBuf old = parts.pollFirst();
      size -= old.readableBytes();
      old.release();
    }
  }

  /** Token counts of the kept tail; releases it. */
  UsageScan.Usage scanAndClear() {
    if (size == 0) {
      return UsageScan.Usage.NONE;
    }
    byte[] bytes = new byte[size];
    int at = 0;
    for (ByteBuf b : parts) {
      int n = b.readableBytes();
      b.getBytes(b.readerIndex(), bytes, at, n);
      at += n;
    }
    clear();
    return UsageScan.scan(bytes, bytes.length);
  }

  void clear() {
    ByteBuf b;
    while ((b = parts.pollFirst()) != null) {
      b.release();
    }
    size = 0;
  }
}
