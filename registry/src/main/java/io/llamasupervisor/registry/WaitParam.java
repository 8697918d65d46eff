package io.llamasupervisor.registry;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code wait} parameter of a blocking query: a Go-style duration such as {@code 30s}, {@code
 * 500ms}, {@code 2m} or {@code 1m30s} (units {@code ns us µs ms s m h}, decimal fractions allowed,
 * {@code 0} alone allowed). Values above {@link #MAX} are capped to it, as Consul does.
 */
public final class WaitParam {
  /** The longest wait a server honours. */
  public static final Duration MAX = Duration.ofMinutes(5);

  /** The wait used when a blocking query gives an index but no wait. */
  public static final Duration DEFAULT = Duration.ofSeconds(30);

  private static final Map<String, Long> NANOS_PER_UNIT =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "μs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private WaitParam() {}

  /** {@link #parse} of {@code text}, or {@link #DEFAULT} when it is null or empty. */
  public static Duration parseOrDefault(String text) {
    return text == null || text.isEmpty() ? DEFAULT : parse(text);
  }

  /**
   * Parses a wait, capped to {@link #MAX}.
   *
   * @throws IllegalArgumentException with a message fit for a 400 response when {@code text} is not
   *     a non-negative duration with units
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(text, "it is empty");
    }
    String s = text.strip();
    if (s.startsWith("-")) {
      throw invalid(text, "it is negative");
    }
    if (s.startsWith("+")) {
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(start, i);
      if (number.isEmpty()
          || number.equals(".")
          || number.indexOf('.') != number.lastIndexOf('.')) {
        throw invalid(text, "expected a number at position " + (start + 1));
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw invalid(text, "missing unit after " + number);
      }
      Long factor = NANOS_PER_UNIT.get(unit);
      if (factor == null) {
        throw invalid(text, "unknown unit '" + unit + "'");
      }
      nanos = nanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(factor)));
    }
    if (nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) >= 0) {
      return MAX;
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** The shortest exact form of {@code wait} in one unit, e.g. {@code 30s}, {@code 500ms}. */
  public static String format(Duration wait) {
    if (wait.isNegative()) {
      throw new IllegalArgumentException("wait must not be negative, was " + wait);
    }
    long nanos = wait.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    for (String unit : new String[] {"h", "m", "s", "ms", "us"}) {
      long factor = NANOS_PER_UNIT.get(unit);
      if (nanos % factor == 0) {
        return nanos / factor + unit;
      }
    }
    return nanos + "ns";
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException(
        "invalid wait '"
            + text
            + "': "
            + why
            + "; expected a duration with units such as 30s, 500ms or 2m (at most "
            + format(MAX)
            + ")");
  }
}
