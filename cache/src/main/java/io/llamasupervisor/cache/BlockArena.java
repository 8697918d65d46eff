package io.llamasupervisor.cache;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes kept outside the Java heap: pages of direct memory cut into blocks of {@value #BLOCK}
 * bytes, handed out and taken back explicitly.
 *
 * <p>Why: a cache at its bound stores and evicts an answer with nearly every miss. Kept on the
 * heap, each answer was copied by every young collection it survived and then compacted by every
 * full one, and with the serial collector a full collection of a 32 MiB cache paused the gateway
 * for about 70 ms. Here the collector sees one small {@link Allocation} per entry.
 *
 * <p>Contract: thread-safe (one lock, held for a copy of one entry). {@link #store} returns {@code
 * null} when the arena has no room; {@link #read} returns {@code null} once the allocation was
 * {@linkplain #free freed}, so a reader racing an eviction sees a miss, never another entry's
 * bytes; {@link #free} is idempotent. Pages are allocated when first needed, at most {@code
 * maxPages}, and kept until {@link #close}: a cache that filled once is likely to fill again.
 */
final class BlockArena {
  private static final Logger LOG = LoggerFactory.getLogger(BlockArena.class);

  /** Bytes per block: an entry's last block is on average half empty. */
  static final int BLOCK = 512;

  /** Bytes per page of direct memory. */
  static final int PAGE = 1 << 20;

  private static final int BLOCKS_PER_PAGE = PAGE / BLOCK;

  /** Blocks holding one entry's bytes, in order. */
  static final class Allocation {
    private final int[] blocks;
    private final int length;
    private boolean freed; // guarded by the arena

    private Allocation(int[] blocks, int length) {
      this.blocks = blocks;
      this.length = length;
    }

    /** Bytes the allocation takes in the arena (whole blocks). */
    int footprint() {
      return blocks.length * BLOCK;
    }
  }

  private final int maxPages;
  private final List<ByteBuffer> pages = new ArrayList<>();
  private int[] free = new int[0];
  private int freeCount;
  private long usedBlocks;
  private boolean outOfDirectMemoryLogged;
  private boolean closed;

  /** An arena that holds at most {@code maxBytes} (rounded up to whole pages). */
  static BlockArena ofBytes(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
    }
    long pages = (maxBytes + PAGE - 1) / PAGE;
    return new BlockArena((int) Math.min(Integer.MAX_VALUE / BLOCKS_PER_PAGE, pages));
  }

  BlockArena(int maxPages) {
    if (maxPages < 0) {
      throw new IllegalArgumentException("maxPages must not be negative: " + maxPages);
    }
    this.maxPages = maxPages;
  }

  /**
   * Copies {@code bytes} into the arena; {@code null} when there are not enough free blocks (and no
   * page may be added, or the JVM's direct memory is exhausted), or after {@link #close}.
   */
  synchronized Allocation store(byte[] bytes) {
    int needed = Math.max(1, (bytes.length + BLOCK - 1) / BLOCK);
    if (closed || !reserve(needed)) {
      return null;
    }
    int[] blocks = new int[needed];
    for (int i = 0; i < needed; i++) {
      int block = free[--freeCount];
      blocks[i] = block;
      int off = i * BLOCK;
      int len = Math.min(BLOCK, bytes.length - off);
      if (len > 0) {
        page(block).put(offset(block), bytes, off, len);
      }
    }
    usedBlocks += needed;
    return new Allocation(blocks, bytes.length);
  }

  /** A copy of the bytes {@code a} holds, or {@code null} if it was freed or the arena closed. */
  synchronized byte[] read(Allocation a) {
    if (a.freed || closed) {
      return null;
    }
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.blocks.length; i++) {
      int off = i * BLOCK;
      int len = Math.min(BLOCK, a.length - off);
      if (len > 0) {
        page(a.blocks[i]).get(offset(a.blocks[i]), out, off, len);
      }
    }
    return out;
  }

  /** Gives the blocks of {@code a} back; a second call does nothing. */
  synchronized void free(Allocation a) {
    if (a.freed) {
      return;
    }
    a.freed = true;
    if (closed) {
      return;
    }
    for (int block : a.blocks) {
      free[freeCount++] = block;
    }
    usedBlocks -= a.blocks.length;
  }

  /** Bytes in blocks that hold an entry. */
  synchronized long usedBytes() {
    return usedBlocks * BLOCK;
  }

  /** Bytes of direct memory the arena holds (its pages). */
  synchronized long reservedBytes() {
    return (long) pages.size() * PAGE;
  }

  /**
   * Drops every page (the collector frees their memory); later stores return {@code null}, reads of
   * earlier allocations {@code null}.
   */
  synchronized void close() {
    closed = true;
    pages.clear();
    free = new int[0];
    freeCount = 0;
    usedBlocks = 0;
  }

  private boolean reserve(int needed) {
    while (freeCount < needed) {
      if (pages.size() >= maxPages || !addPage()) {
        return false;
      }
    }
    return true;
  }

  private boolean addPage() {
    ByteBuffer page;
    try {
      page = ByteBuffer.allocateDirect(PAGE);
    } catch (OutOfMemoryError e) {
      if (!outOfDirectMemoryLogged) {
        outOfDirectMemoryLogged = true;
        LOG.warn(
            "the response cache cannot grow past {} MiB: the JVM's direct memory is exhausted"
                + " ({}); raise -XX:MaxDirectMemorySize or lower supervisor.cache.max-bytes",
            reservedBytes() >> 20,
            e.getMessage());
      }
      return false;
    }
    int first = pages.size() * BLOCKS_PER_PAGE;
    pages.add(page);
    // room for every block of every page: all of them can be free at once
    if (free.length < pages.size() * BLOCKS_PER_PAGE) {
      free = Arrays.copyOf(free, pages.size() * BLOCKS_PER_PAGE);
    }
    // pushed in reverse so that the page is used from its start
    for (int b = first + BLOCKS_PER_PAGE - 1; b >= first; b--) {
      free[freeCount++] = b;
    }
    return true;
  }

  private ByteBuffer page(int block) {
    return pages.get(block / BLOCKS_PER_PAGE);
  }

  private static int offset(int block) {
    return (block % BLOCKS_PER_PAGE) * BLOCK;
  }
}
