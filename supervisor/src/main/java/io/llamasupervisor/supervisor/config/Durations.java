package io.llamasupervisor.supervisor.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of the configuration and the command line: a decimal number with an
 * optional unit ({@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h}; no unit means seconds) or
 * ISO-8601 ({@code PT2S}, {@code PT1M30S}), case-insensitive, from 0 to 365 days. (The registry's
 * {@code ?wait=} takes Go durations on purpose and has its own parser.)
 */
public final class Durations {
  /** Longer than this is a typo, and {@link Duration#toMillis()} must not overflow. */
  public static final Duration MAX = Duration.ofDays(365);

  /** The forms accepted, for error messages. */
  public static final String FORMS = "500ms, 1.5s, 2m, 1h or PT2S";

  private static final Pattern DECIMAL =
      Pattern.compile("(\\d{1,15}(?:\\.\\d{1,9})?)\\s*(ms|s|m|h)?");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Duration parse(String text) {
    String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    Matcher m = DECIMAL.matcher(s);
    Duration d = null;
    if (m.matches()) {
      String unit = m.group(2) == null ? "s" : m.group(2);
      BigDecimal nanosPerUnit =
          BigDecimal.valueOf(
              switch (unit) {
                case "ms" -> 1_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 1_000_000_000L;
              });
      BigDecimal nanos = new BigDecimal(m.group(1)).multiply(nanosPerUnit);
      if (nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) > 0) {
        throw tooLong(text);
      }
      d = Duration.ofNanos(nanos.longValue());
    } else if (s.startsWith("p")) {
      try {
        d = Duration.parse(s.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException | ArithmeticException e) {
        d = null;
      }
      if (d != null && d.isNegative()) {
        d = null;
      } else if (d != null && d.compareTo(MAX) > 0) {
        throw tooLong(text);
      }
    }
    if (d == null) {
      throw new IllegalArgumentException("invalid duration '" + text + "': expected e.g. " + FORMS);
    }
    return d;
  }

  private static IllegalArgumentException tooLong(String text) {
    return new IllegalArgumentException("duration '" + text + "' is too long; at most 365 days");
  }
}
