package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
  void rejectsNonsense() {
    Duration ms = Duration.ofMillis(1);
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(Duration.ZERO, 2, ms));
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(ms.multipliedBy(2), 2, ms));
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(ms, 0.5, ms));
    assertThrows(IllegalArgumentException.class, () -> new PollSchedule(ms, Double.NaN, ms));
    assertThrows(IllegalArgumentException.class, () -> PollSchedule.DEFAULT.delayAfter(0));
  }
}
