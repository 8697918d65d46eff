package io.llamasupervisor.supervisor.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ContextSizingTest {

  /** Observed with llama-server b10470: {@code -np 2 -c 1024} gives 2 slots of 512. */
  @Test
  void explicitParallelSplitsTheContextAcrossSlots() {
    assertArrayEquals(new long[] {1024, 512}, ContextSizing.llamaServer(1024, 2));
  }

  /**
   * Observed: {@code -np 3 -c 1000} logs "n_ctx is not divisible by n_seq_max - rounding down to
   * 1536" and gives 3 slots of 512 (1000 rounds up to 1024, 1024 / 3 = 341 rounds up to 512).
   */
  @Test
  void roundsLikeLlamaServerWhenNotDivisible() {
    assertArrayEquals(new long[] {1536, 512}, ContextSizing.llamaServer(1000, 3));
  }

  @Test
  void longTrainingContextGetsTheConfiguredContextPerSlot() {
    ContextSizing c = ContextSizing.resolve(4096, 4, OptionalLong.of(131072));
    assertEquals(16384, c.ctxSize());
    assertEquals(4096, c.ctxPerSlot());
    assertFalse(c.trainingCapped());
  }

  @Test
  void shortTrainingContextCapsEachSlot() {
    ContextSizing c = ContextSizing.resolve(4096, 4, OptionalLong.of(512));
    assertEquals(2048, c.ctxSize());
    assertEquals(512, c.ctxPerSlot());
    assertTrue(c.trainingCapped());
  }

  @Test
  void trainingContextNotAMultipleOf256KeepsTheCapPerSlot() {
    // 4 x 1000 = 4000 -> llama-server rounds n_ctx to 4096, 1024 per sequence, capped at 1000
    ContextSizing c = ContextSizing.resolve(4096, 4, OptionalLong.of(1000));
    assertEquals(4096, c.ctxSize());
    assertEquals(1000, c.ctxPerSlot());
  }

  @Test
  void configuredContextIsRoundedUpTo256() {
    ContextSizing c = ContextSizing.resolve(1000, 1, OptionalLong.of(8192));
    assertEquals(1024, c.ctxSize());
    assertEquals(1024, c.ctxPerSlot());
  }

  @Test
  void zeroMeansTheTrainingContext() {
    ContextSizing c = ContextSizing.resolve(0, 2, OptionalLong.of(2048));
    assertEquals(4096, c.ctxSize());
    assertEquals(2048, c.ctxPerSlot());
    assertFalse(c.trainingCapped());
  }

  @Test
  void unknownTrainingContextUsesTheConfiguredValue() {
    ContextSizing c = ContextSizing.resolve(4096, 3, OptionalLong.empty());
    assertEquals(12288, c.ctxSize());
    assertEquals(4096, c.ctxPerSlot());
  }
}
