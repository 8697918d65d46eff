package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PollScheduleTest {

  @Test
  void defaultBacksOffByHalfFrom50To500Milliseconds() {
    List<Long> delays = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      delays.add(PollSchedule.DEFAULT.delayAfter(i).toMillis());
    }
    assertEquals(List.of(50L, 75L, 112L, 168L, 252L, 378L, 500L, 500L, 500L), delays);
    assertEquals(Duration.ofMillis(500), PollSchedule.DEFAULT.delayAfter(Integer.MAX_VALUE));
  }

  @Test
  void factorOneIsAFixedInterval() {
    PollSchedule fixed = new PollSchedule(Duration.ofMillis(200), 1.0, Duration.ofMillis(200));
    assertEquals(Duration.ofMillis(200), fixed.delayAfter(1));
    assertEquals(Duration.ofMillis(200), fixed.delayAfter(50));
  }

  @Test
  void aQuickStartSplitsTheFirstDelayAndKeepsEveryLaterProbe() {
    PollSchedule base = new PollSchedule(Duration.ofMillis(50), 1.02, Duration.ofMillis(500));
    PollSchedule quick = base.withQuickStart(Duration.ofMillis(10));
    assertEquals(List.of(10L, 10L, 10L, 10L, 10L, 51L, 52L), delays(quick, 7));
    assertEquals(
        List.of(15L, 15L, 15L, 5L, 51L), delays(base.withQuickStart(Duration.ofMillis(15)), 5));
    List<Long> quickTimes = probeTimes(quick, 200);
    assertEquals(List.of(0L, 10L, 20L, 30L, 40L, 50L, 101L), quickTimes.subList(0, 7));
    assertTrue(quickTimes.containsAll(probeTimes(base, 150)), "no probe of the base is dropped");
    assertEquals(Duration.ofMillis(500), quick.delayAfter(Integer.MAX_VALUE));
  }

  @Test
  void withoutAQuickStartTheFirstDelayIsWhole() {
    PollSchedule base = new PollSchedule(Duration.ofMillis(50), 1.02, Duration.ofMillis(500));
    assertEquals(List.of(50L, 51L, 52L), delays(base, 3));
    assertEquals(base, base.withQuickStart(Duration.ofMillis(50)));
  }

  private static List<Long> delays(PollSchedule s, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(s.delayAfter(i).toMillis());
    }
    return out;
  }

  /** The instants (ms after the start) of the first {@code n} probes, the first at 0. */
  private static List<Long> probeTimes(PollSchedule s, int n) {
    List<Long> out = new ArrayList<>(List.of(0L));
    for (int i = 1; i < n; i++) {
      out.add(out.get(i - 1) + s.delayAfter(i).toMillis());
    }
    return out;
  }

  @Test
  void rejectsNonsense() {
    Duration ms = Duration.ofMillis(1);
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(Duration.ZERO, 2, ms));
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(ms.multipliedBy(2), 2, ms));
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(ms, 0.5, ms));
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(ms, Double.NaN, ms));
    assertThrows(IllegalArgumentException.class, () -> PollSchedule.DEFAULT.delayAfter(0));
    PollSchedule base = new PollSchedule(ms.multipliedBy(10), 2, ms.multipliedBy(10));
    assertThrows(IllegalArgumentException.class, () -> base.withQuickStart(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> base.withQuickStart(ms.multipliedBy(11)));
  }
}
