package io.llamasupervisor.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one duration grammar of the configuration and the command line. */
class DurationsTest {
  @ParameterizedTest
  @CsvSource({
    "500ms, 500",
    "1.5s, 1500",
    "2s, 2000",
    "3, 3000",
    "0.25, 250",
    "2m, 120000",
    "1h, 3600000",
    "PT2S, 2000",
    "pt1m30s, 90000",
    "PT0.5S, 500",
    "' 10 s ', 10000",
    "0, 0"
  })
  void acceptsDecimalsWithUnitsAndIso8601(String text, long millis) {
    assertEquals(Duration.ofMillis(millis), Durations.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "soon", "-1s", "1d", "1.s", "PT-1S", "1ms2", "30 seconds", "PT"})
  void refusesEverythingElseNamingTheAcceptedForms(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertTrue(e.getMessage().contains("500ms, 1.5s, 2m, 1h or PT2S"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"8761h", "PT8761H", "999999999999999s"})
  void refusesMoreThanAYear(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertTrue(e.getMessage().contains("at most 365 days"), e.getMessage());
  }
}
