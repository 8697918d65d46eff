package io.llamasupervisor.app.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the gateway's in-memory stores (the response cache, the conversation store) inside the
 * JVM's heap. Their {@code max-bytes} bound what they hold; when a bound is larger than a quarter
 * of the heap ({@code -Xmx}, 128 MiB with the launcher's flags), the store would fill the heap
 * before it evicts anything and the process would die of {@link OutOfMemoryError}. Such a bound is
 * lowered to a quarter of the heap; a value the user set (not the default) is lowered with a
 * warning that says how to keep more.
 */
final class HeapBound {
  private static final Logger LOG = LoggerFactory.getLogger(HeapBound.class);

  /** Each in-memory store may take at most one part in this many of the heap. */
  static final int SHARE = 4;

  private HeapBound() {}

  /**
   * {@code configured}, or a quarter of {@code maxHeap} when that is less.
   *
   * @param key the configuration key, for the warning
   * @param defaultValue the key's default: lowering it is expected and not warned about
   * @param maxHeap the heap's bound in bytes ({@link Runtime#maxMemory()})
   */
  static long cap(String key, long configured, long defaultValue, long maxHeap) {
    long share = Math.max(1, maxHeap / SHARE);
    if (configured <= share) {
      return configured;
    }
    if (configured != defaultValue) {
      LOG.warn(
          "{} is {} MiB but the JVM's heap is {} MiB: keeping at most {} MiB (a quarter of the"
              + " heap) so that the store cannot exhaust it; raise -Xmx (JAVA_OPTS) to keep more",
          key,
          configured >> 20,
          maxHeap >> 20,
          share >> 20);
    }
    return share;
  }

  /** The heap's bound of this process. */
  static long maxHeap() {
    return Runtime.getRuntime().maxMemory();
  }
}
