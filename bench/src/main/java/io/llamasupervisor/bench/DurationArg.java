package io.llamasupervisor.bench;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses command-line durations: {@code 500ms}, {@code 3s}, {@code 1.5s}, {@code 2m}, {@code 1h}.
 */
final class DurationArg {
  private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

  private DurationArg() {}

  /**
   * @throws IllegalArgumentException naming the expected form
   */
  static Duration parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid duration '" + text + "': expected e.g. 500ms, 3s, 1.5s, 2m");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double millis =
        switch (unit) {
          case "ms" -> n;
          case "m" -> n * 60_000;
          case "h" -> n * 3_600_000;
          default -> n * 1000;
        };
    return Duration.ofNanos(Math.round(millis * 1_000_000));
  }
}
