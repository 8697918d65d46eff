package io.llamasupervisor.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WaitParamTest {

  @Test
  void parsesGoDurations() {
    assertEquals(Duration.ofSeconds(30), WaitParam.parse("30s"));
    assertEquals(Duration.ofMillis(500), WaitParam.parse("500ms"));
    assertEquals(Duration.ofMinutes(2), WaitParam.parse("2m"));
    assertEquals(Duration.ofSeconds(90), WaitParam.parse("1m30s"));
    assertEquals(Duration.ofMillis(1500), WaitParam.parse("1.5s"));
    assertEquals(Duration.ofNanos(250_000), WaitParam.parse("250us"));
    assertEquals(Duration.ofNanos(250_000), WaitParam.parse("250µs"));
    assertEquals(Duration.ofNanos(7), WaitParam.parse("7ns"));
    assertEquals(Duration.ZERO, WaitParam.parse("0"));
    assertEquals(Duration.ZERO, WaitParam.parse("0s"));
  }

  @Test
  void capsAtFiveMinutes() {
    assertEquals(Duration.ofMinutes(5), WaitParam.parse("5m"));
    assertEquals(Duration.ofMinutes(5), WaitParam.parse("1h"));
    assertEquals(Duration.ofMinutes(5), WaitParam.parse("99999999999999999999h"));
  }

  @Test
  void explainsWhatIsWrong() {
    assertEquals(
        "invalid wait '30': missing unit after 30; expected a duration with units such as 30s,"
            + " 500ms or 2m (at most 5m)",
        assertThrows(IllegalArgumentException.class, () -> WaitParam.parse("30")).getMessage());
    assertMessageStartsWith("invalid wait '10d': unknown unit 'd'", "10d");
    assertMessageStartsWith("invalid wait '-1s': it is negative", "-1s");
    assertMessageStartsWith("invalid wait 's': expected a number at position 1", "s");
    assertMessageStartsWith("invalid wait '1..5s': expected a number at position 1", "1..5s");
    assertMessageStartsWith("invalid wait '': it is empty", "");
  }

  @Test
  void defaultsWhenAbsent() {
    assertEquals(Duration.ofSeconds(30), WaitParam.parseOrDefault(null));
    assertEquals(Duration.ofSeconds(30), WaitParam.parseOrDefault(""));
    assertEquals(Duration.ofSeconds(2), WaitParam.parseOrDefault("2s"));
  }

  @Test
  void formatsInTheLargestExactUnitAndRoundTrips() {
    assertEquals("30s", WaitParam.format(Duration.ofSeconds(30)));
    assertEquals("500ms", WaitParam.format(Duration.ofMillis(500)));
    assertEquals("2m", WaitParam.format(Duration.ofMinutes(2)));
    assertEquals("90s", WaitParam.format(Duration.ofSeconds(90)));
    assertEquals("0s", WaitParam.format(Duration.ZERO));
    for (Duration d :
        new Duration[] {Duration.ofMillis(1), Duration.ofSeconds(61), Duration.ofNanos(1234)}) {
      assertEquals(d, WaitParam.parse(WaitParam.format(d)));
    }
  }

  private static void assertMessageStartsWith(String expected, String input) {
    String message =
        assertThrows(IllegalArgumentException.class, () -> WaitParam.parse(input)).getMessage();
    assertEquals(expected, message.substring(0, Math.min(expected.length(), message.length())));
  }
}
