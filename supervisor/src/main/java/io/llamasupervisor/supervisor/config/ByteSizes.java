package io.llamasupervisor.supervisor.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one size grammar of the configuration: a decimal number of bytes with an optional unit,
 * binary ({@code KiB}, {@code MiB}, {@code GiB}, {@code TiB}) or decimal ({@code KB}, {@code MB},
 * {@code GB}, {@code TB}), case-insensitive: {@code 24GiB}, {@code 512MiB}, {@code 16GB}, {@code
 * 1048576}.
 */
public final class ByteSizes {
  /** The forms accepted, for error messages. */
  public static final String FORMS = "24GiB, 512MiB, 16GB or a number of bytes";

  private static final Pattern SIZE =
      Pattern.compile("(\\d{1,19}(?:\\.\\d{1,9})?)\\s*([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);

  private ByteSizes() {}

  /**
   * Parses a size; one beyond {@link Long#MAX_VALUE} bytes is read as that.
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid size '" + text + "': expected e.g. " + FORMS);
    }
    double v = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    long mult =
        switch (unit) {
          case "KIB" -> 1L << 10;
          case "MIB" -> 1L << 20;
          case "GIB" -> 1L << 30;
          case "TIB" -> 1L << 40;
          case "KB" -> 1_000L;
          case "MB" -> 1_000_000L;
          case "GB" -> 1_000_000_000L;
          case "TB" -> 1_000_000_000_000L;
          default -> 1L;
        };
    return (long) (v * mult);
  }
}
