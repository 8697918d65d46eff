package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Idle log files of different processes are read at the same instants (one scheduler wake). */
class IdleTailGridTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void idleReadsStartedAtDifferentTimesMeetOnTheSameInstants() {
    long a = 7 * SECOND + 100;
    long b = 7 * SECOND + SECOND / 3;
    long nextA = a + DefaultManagedProcess.onGrid(a, SECOND);
    long nextB = b + DefaultManagedProcess.onGrid(b, SECOND);
    assertEquals(8 * SECOND, nextA);
    assertEquals(nextA, nextB);
    // a read that runs a little late still keeps to the grid: exactly one period later
    long late = nextA + 2_000_000;
    assertEquals(9 * SECOND, late + DefaultManagedProcess.onGrid(late, SECOND));
  }

  @Test
  void theWaitIsNeverLongerThanOnePeriod() {
    for (long now = -3 * SECOND; now < 3 * SECOND; now += SECOND / 7 + 13) {
      long wait = DefaultManagedProcess.onGrid(now, SECOND);
      assertTrue(wait > 0 && wait <= SECOND, now + " -> " + wait);
      assertEquals(0, Math.floorMod(now + wait, SECOND), now + " -> " + wait);
    }
  }
}
