package io.llamasupervisor.gateway;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * The last {@link #LIMIT} bytes (at least) of a response, kept as retained slices of the buffers
 * that went to the client (no copy while streaming), copied once at the end for {@link UsageScan}
 * into a scratch array of the thread's (the scan keeps nothing of it). Used on one event loop.
 */
final class TailBuffer {
  static final int LIMIT = 8192;

  /**
   * Where the tail is copied to be scanned: it never exceeds {@code 2 * LIMIT} (the oldest part
   * goes once the rest holds {@code LIMIT} bytes, and no part is longer than {@code LIMIT}).
   */
  private static final ThreadLocal<byte[]> SCRATCH =
      ThreadLocal.withInitial(() -> new byte[2 * LIMIT]);

  private final ArrayDeque<ByteBuf> parts = new ArrayDeque<>(4);
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
    byte[] bytes = SCRATCH.get();
    if (bytes.length < size) { // cannot happen (see SCRATCH); kept safe all the same
      bytes = new byte[size];
    }
    int at = 0;
    for (ByteBuf b : parts) {
      int n = b.readableBytes();
      b.getBytes(b.readerIndex(), bytes, at, n);
      at += n;
    }
    clear();
    return UsageScan.scan(bytes, at);
  }

  void clear() {
    ByteBuf b;
    while ((b = parts.pollFirst()) != null) {
      b.release();
    }
    size = 0;
  }
}
