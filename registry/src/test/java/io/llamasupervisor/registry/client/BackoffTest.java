package io.llamasupervisor.registry.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Duration initial = Duration.ofMillis(200);
  private final Duration max = Duration.ofSeconds(5);

  @Test
  void doublesFromTheInitialDelayUpToTheCap() {
    Backoff highest = new Backoff(initial, max, () -> 0.999999);
    assertEquals(200, highest.delay(1).toMillis());
    assertEquals(400, highest.delay(2).toMillis());
    assertEquals(800, highest.delay(3).toMillis());
    assertEquals(3200, highest.delay(5).toMillis());
    assertEquals(5000, highest.delay(6).toMillis());
    assertEquals(5000, highest.delay(1000).toMillis());
  }

  @Test
  void jitterTakesUpToHalfOff() {
    Backoff lowest = new Backoff(initial, max, () -> 0.0);
    assertEquals(100, lowest.delay(1).toMillis());
    assertEquals(2500, lowest.delay(50).toMillis());
    Backoff middle = new Backoff(initial, max, () -> 0.5);
    assertEquals(150, middle.delay(1).toMillis());
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, max, () -> 0));
    assertThrows(
        IllegalArgumentException.class, () -> new Backoff(max, initial, () -> 0), "max < initial");
    assertThrows(IllegalArgumentException.class, () -> new Backoff(initial, max, () -> 0).delay(0));
  }
}
