package io.llamasupervisor.gguf;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mutates the real tiny model (bit flips, byte overwrites, huge counts and lengths, truncations)
 * and checks that every case ends in a verdict: no exception escapes, nothing hangs, and no case
 * allocates more than a bounded amount. {@code -Dgguf.fuzz.cases=N} runs more cases.
 */
class GgufFuzzTest {
  private static final long MAX_ALLOCATION_PER_CASE = 4L << 20;

  @Test
  void mutatedFilesAlwaysGetAVerdict() throws IOException {
    int cases = Integer.getInteger("gguf.fuzz.cases", 100_000);
    long seed = Long.getLong("gguf.fuzz.seed", 0x5eed_6775_6600L);
    byte[] image = Files.readAllBytes(FixtureVerdictTest.fixture("tiny-llama-f16.gguf"));
    int headerEnd = 13152; // data offset of the fixture: mutations focus on the header
    SplittableRandom random = new SplittableRandom(seed);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    Map<Reason, Integer> seen = new EnumMap<>(Reason.class);
    int accepted = 0;
    long worstAllocation = 0;
    Path label = Path.of("fuzz.gguf");
    ByteBuffer le = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < cases; i++) {
      int kind = random.nextInt(5);
      int at = random.nextInt(headerEnd - 8);
      long saved = le.getLong(at);
      int size = image.length;
      switch (kind) {
        case 0 -> image[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> image[at] = (byte) random.nextInt(256);
        case 2 -> le.putLong(at, 1L << (20 + random.nextInt(43))); // huge count or length
        case 3 -> le.putInt(at, random.nextInt()); // type ids, dims, versions
        default -> size = random.nextInt(image.length); // truncation anywhere
      }
      long before = threads.getThreadAllocatedBytes(self);
      Verdict v;
      try {
        v = GgufVerifier.verify(label, image, size);
      } catch (RuntimeException | Error e) {
        throw new AssertionError("case " + i + " (kind " + kind + " at " + at + ") threw", e);
      }
      long allocated = threads.getThreadAllocatedBytes(self) - before;
      worstAllocation = Math.max(worstAllocation, allocated);
      assertNotNull(v);
      if (v.isAccepted()) {
        accepted++;
      } else {
        seen.merge(v.reason(), 1, Integer::sum);
      }
      le.putLong(at, saved);
    }
    System.out.printf(
        "fuzz: %d cases, %d accepted, rejections %s, worst allocation %d bytes%n",
        cases, accepted, seen, worstAllocation);
    assertTrue(
        worstAllocation < MAX_ALLOCATION_PER_CASE,
        "a case allocated " + worstAllocation + " bytes");
    // the default run's mutations must actually reach the interesting rejections
    if (cases < 100_000) {
      return;
    }
    for (Reason r :
        new Reason[] {
          Reason.BAD_MAGIC, Reason.TRUNCATED, Reason.LIMIT_EXCEEDED, Reason.INVALID_VALUE_TYPE
        }) {
      assertTrue(seen.containsKey(r), "no case produced " + r + ": " + seen);
    }
  }
}
