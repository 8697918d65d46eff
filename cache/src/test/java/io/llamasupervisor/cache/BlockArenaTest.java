package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BlockArenaTest {
  private static byte[] bytes(int length, int seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void bytesComeBackAcrossBlockAndPageBoundaries() {
    BlockArena arena = new BlockArena(3);
    List<byte[]> stored = new ArrayList<>();
    List<BlockArena.Allocation> handles = new ArrayList<>();
    // lengths around the block size, and one larger than a page
    int[] lengths = {0, 1, 511, 512, 513, 4_000, BlockArena.PAGE + 17, 1_000};
    for (int i = 0; i < lengths.length; i++) {
      byte[] b = bytes(lengths[i], i);
      stored.add(b);
      handles.add(stored(arena.store(b)));
    }
    for (int i = 0; i < lengths.length; i++) {
      assertArrayEquals(stored.get(i), arena.read(handles.get(i)), "entry " + i);
    }
    assertEquals(2 * BlockArena.PAGE, arena.reservedBytes());
  }

  private static BlockArena.Allocation stored(BlockArena.Allocation a) {
    assertTrue(a != null, "stored");
    return a;
  }

  @Test
  void aFreedAllocationReadsAsMissingAndItsBlocksServeTheNextEntry() {
    BlockArena arena = new BlockArena(1);
    byte[] a = bytes(2_000, 1);
    byte[] b = bytes(3_000, 2);
    BlockArena.Allocation ha = arena.store(a);
    BlockArena.Allocation hb = arena.store(b);
    long used = arena.usedBytes();
    arena.free(ha);
    arena.free(ha); // idempotent
    assertNull(arena.read(ha));
    assertEquals(used - ha.footprint(), arena.usedBytes());
    byte[] c = bytes(2_000, 3);
    BlockArena.Allocation hc = arena.store(c);
    assertArrayEquals(c, arena.read(hc));
    assertArrayEquals(b, arena.read(hb), "the neighbour is untouched");
    assertNull(arena.read(ha), "a reused block does not revive the freed allocation");
  }

  @Test
  void aFullArenaRefusesUntilSomethingIsFreed() {
    BlockArena arena = new BlockArena(1);
    List<BlockArena.Allocation> all = new ArrayList<>();
    for (BlockArena.Allocation a = arena.store(bytes(BlockArena.BLOCK * 4, 0));
        a != null;
        a = arena.store(bytes(BlockArena.BLOCK * 4, 0))) {
      all.add(a);
    }
    assertEquals(BlockArena.PAGE / (BlockArena.BLOCK * 4), all.size());
    assertEquals(BlockArena.PAGE, arena.usedBytes());
    assertNull(arena.store(new byte[1]));
    arena.free(all.get(7));
    byte[] small = bytes(10, 9);
    assertArrayEquals(small, arena.read(arena.store(small)));
  }

  /** Regression: a page added while every block was in use left no room to free them all. */
  @Test
  void everyBlockOfEveryPageCanBeFreedAndUsedAgain() {
    BlockArena arena = new BlockArena(3);
    for (int round = 0; round < 3; round++) {
      List<BlockArena.Allocation> all = new ArrayList<>();
      for (BlockArena.Allocation a = arena.store(bytes(BlockArena.BLOCK, round));
          a != null;
          a = arena.store(bytes(BlockArena.BLOCK, round))) {
        all.add(a);
      }
      assertEquals(3 * BlockArena.PAGE / BlockArena.BLOCK, all.size());
      all.forEach(arena::free);
      assertEquals(0, arena.usedBytes());
    }
    assertEquals(3 * BlockArena.PAGE, arena.reservedBytes());
  }

  @Test
  void nothingIsStoredOrReadAfterClose() {
    BlockArena arena = BlockArena.ofBytes(10);
    BlockArena.Allocation a = arena.store(bytes(100, 1));
    arena.close();
    assertNull(arena.read(a));
    assertNull(arena.store(bytes(100, 1)));
    arena.free(a);
    assertEquals(0, arena.reservedBytes());
  }

  @Test
  void aNegativeBoundIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> BlockArena.ofBytes(-1));
  }

  /** Readers racing frees and reuse see their own bytes or nothing, never another entry's. */
  @Test
  void readersRacingFreesNeverSeeAnotherEntrysBytes() throws Exception {
    BlockArena arena = new BlockArena(1);
    ConcurrentHashMap<Integer, BlockArena.Allocation> live = new ConcurrentHashMap<>();
    AtomicInteger wrong = new AtomicInteger();
    AtomicInteger seen = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Future<?> writer =
          pool.submit(
              () -> {
                for (int i = 0; i < 20_000; i++) {
                  BlockArena.Allocation a = arena.store(bytes(700 + i % 900, i));
                  if (a != null) {
                    BlockArena.Allocation old = live.put(i % 64, a);
                    if (old != null) {
                      arena.free(old);
                    }
                  }
                }
              });
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            pool.submit(
                () -> {
                  while (!writer.isDone()) {
                    for (var e : live.entrySet()) {
                      byte[] got = arena.read(e.getValue());
                      if (got == null) {
                        continue;
                      }
                      seen.incrementAndGet();
                      int i = e.getKey();
                      // entry i % 64 holds the bytes of some i' with i' % 64 == slot
                      boolean matches = false;
                      for (int candidate = i; candidate < 20_000 && !matches; candidate += 64) {
                        if (got.length == 700 + candidate % 900) {
                          matches = Arrays.equals(got, bytes(got.length, candidate));
                        }
                      }
                      if (!matches) {
                        wrong.incrementAndGet();
                      }
                    }
                  }
                }));
      }
      writer.get();
      for (Future<?> f : readers) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, wrong.get(), "reads of " + seen.get());
  }
}
