package io.llamasupervisor.health;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the Prometheus text exposition format (version 0.0.4), as served by llama-server's {@code
 * /metrics} (whose names contain {@code :}, e.g. {@code llamacpp:requests_processing}, which is
 * valid). The project's only reader of this format; writing it is Micrometer's job.
 *
 * <p>{@link #parse} is strict about the syntax of every line and groups samples into families by
 * their {@code # TYPE}/{@code # HELP} lines; {@link #samples} is lenient and skips lines it cannot
 * read. Pure and thread-safe.
 */
public final class PrometheusText {
  private PrometheusText() {}

  /**
   * One sample line.
   *
   * @param name the sample's name (for a histogram e.g. {@code x_bucket}, not the family's)
   * @param labels label names to values, unescaped, in the order written
   * @param value the value as written (e.g. {@code 2048.92}, {@code +Inf})
   * @param timestamp the timestamp in milliseconds as written, or empty
   */
  public record Sample(String name, Map<String, String> labels, String value, String timestamp) {
    public Sample {
      labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** The value as a number ({@code +Inf}, {@code -Inf}, {@code NaN} included). */
    public double number() {
      return parseValue(value);
    }
  }

  /**
   * A metric family: its name, type ({@code counter}, {@code gauge}, {@code histogram}, {@code
   * summary} or {@code untyped} when none was given), help text (empty when none) and samples.
   */
  public record Family(String name, String type, String help, List<Sample> samples) {
    /** The first sample named {@code sampleName} whose labels include {@code labels}. */
    public Optional<Sample> find(String sampleName, Map<String, String> labels) {
      return samples.stream()
          .filter(s -> s.name().equals(sampleName))
          .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
          .findFirst();
    }
  }

  /** A line that is not valid exposition text. */
  public static final class FormatException extends IllegalArgumentException {
    FormatException(int line, String message, String text) {
      super("line " + line + ": " + message + ": '" + text + "'");
    }
  }

  /**
   * Every family of {@code text}, in order of first appearance. A sample belongs to the family
   * named by the last {@code # TYPE}/{@code # HELP} line when its name is that family's name or the
   * name plus {@code _bucket}, {@code _sum}, {@code _count}, {@code _total} or {@code _created};
   * any other sample starts (or joins) an untyped family of its own name. A family given twice is
   * merged into its first appearance. Other comment lines and blank lines are ignored.
   *
   * @throws FormatException naming the first line that is neither a comment nor a valid sample
   */
  public static List<Family> parse(String text) {
    Map<String, Builder> families = new LinkedHashMap<>();
    Builder current = null;
    String[] lines = text.split("\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split("[ \t]+", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          current = families.computeIfAbsent(parts[2], Builder::new);
          String rest = parts.length == 4 ? parts[3] : "";
          if (parts[1].equals("HELP")) {
            current.help = current.help == null ? unescapeHelp(rest) : current.help;
          } else {
            current.type = rest.isEmpty() ? "untyped" : rest;
          }
        }
        continue;
      }
      Sample s;
      try {
        s = sample(line);
      } catch (IllegalArgumentException e) {
        throw new FormatException(n + 1, e.getMessage(), line);
      }
      Builder f =
          current != null && belongsTo(s.name(), current.name)
              ? current
              : families.computeIfAbsent(s.name(), Builder::new);
      f.samples.add(s);
    }
    List<Family> out = new ArrayList<>(families.size());
    families.values().forEach(b -> out.add(b.build()));
    return out;
  }

  /**
   * The values of every sample named {@code name}, one per series, in order. Lines that cannot be
   * read are skipped.
   */
  public static List<Double> samples(String text, String name) {
    List<Double> values = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      try {
        Sample s = sample(line);
        if (s.name().equals(name)) {
          values.add(s.number());
        }
      } catch (IllegalArgumentException e) {
        // skipped, as documented
      }
    }
    return values;
  }

  /** Reads one sample line: {@code name[{labels}] value [timestamp]}. */
  static Sample sample(String line) {
    int i = 0;
    while (i < line.length() && isNameChar(line.charAt(i), i == 0)) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("no metric name");
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = labels(line, i + 1, labels);
    }
    String[] rest = line.substring(i).strip().split("[ \t]+");
    if (rest.length == 0 || rest[0].isEmpty() || rest.length > 2) {
      throw new IllegalArgumentException("expected a value and at most a timestamp");
    }
    parseValue(rest[0]);
    if (rest.length == 2 && !rest[1].matches("-?[0-9]+")) {
      throw new IllegalArgumentException("bad timestamp " + rest[1]);
    }
    return new Sample(name, labels, rest[0], rest.length == 2 ? rest[1] : "");
  }

  /** Reads labels from {@code i} (after the '{') into {@code out}; returns the index after '}'. */
  private static int labels(String line, int i, Map<String, String> out) {
    while (true) {
      while (i < line.length() && line.charAt(i) == ' ') {
        i++;
      }
      if (i < line.length() && line.charAt(i) == '}') {
        return i + 1;
      }
      int start = i;
      while (i < line.length() && isNameChar(line.charAt(i), i == start) && line.charAt(i) != ':') {
        i++;
      }
      if (i == start || i >= line.length() || line.charAt(i) != '=') {
        throw new IllegalArgumentException("bad label name");
      }
      String label = line.substring(start, i);
      if (++i >= line.length() || line.charAt(i) != '"') {
        throw new IllegalArgumentException("label value of " + label + " is not quoted");
      }
      StringBuilder value = new StringBuilder();
      for (i++; ; i++) {
        if (i >= line.length()) {
          throw new IllegalArgumentException("unterminated label value of " + label);
        }
        char c = line.charAt(i);
        if (c == '"') {
          break;
        }
        if (c == '\\' && i + 1 < line.length()) {
          char e = line.charAt(++i);
          value.append(e == 'n' ? '\n' : e);
        } else {
          value.append(c);
        }
      }
      if (out.put(label, value.toString()) != null) {
        throw new IllegalArgumentException("label " + label + " given twice");
      }
      i++;
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      } else if (i >= line.length() || line.charAt(i) != '}') {
        throw new IllegalArgumentException("expected ',' or '}' after label " + label);
      }
    }
  }

  private static boolean belongsTo(String sample, String family) {
    return sample.equals(family)
        || sample.equals(family + "_bucket")
        || sample.equals(family + "_sum")
        || sample.equals(family + "_count")
        || sample.equals(family + "_total")
        || sample.equals(family + "_created");
  }

  private static boolean isNameChar(char c, boolean first) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || c == '_'
        || c == ':'
        || (!first && c >= '0' && c <= '9');
  }

  private static String unescapeHelp(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        out.append(e == 'n' ? '\n' : e);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  static double parseValue(String token) {
    switch (token) {
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(token);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("expected a number, got " + token);
        }
    }
  }

  private static final class Builder {
    final String name;
    String help;
    String type = "untyped";
    final List<Sample> samples = new ArrayList<>();

    Builder(String name) {
      this.name = name;
    }

    Family build() {
      return new Family(name, type, help == null ? "" : help, List.copyOf(samples));
    }
  }
}
