package io.llamasupervisor.health;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads samples from the Prometheus text exposition format (version 0.0.4) as served by
 * llama-server's {@code /metrics}. Metric names there contain {@code :} (e.g. {@code
 * llamacpp:requests_processing}), which is valid. Comment lines, unknown series, labels and
 * timestamps are tolerated.
 */
final class PrometheusText {
  private PrometheusText() {}

  /**
   * The values of every sample of metric {@code name}, one per series (label set), in order.
   * Unparsable sample lines are skipped.
   */
  static List<Double> samples(String text, String name) {
    List<Double> values = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      if (rest.startsWith("{")) {
        int close = closingBrace(rest);
        if (close < 0) {
          continue;
        }
        rest = rest.substring(close + 1);
      } else if (rest.isEmpty() || !Character.isWhitespace(rest.charAt(0))) {
        continue; // a longer name sharing this prefix
      }
      String[] parts = rest.strip().split("\\s+");
      if (parts.length == 0 || parts[0].isEmpty()) {
        continue;
      }
      Double v = parseValue(parts[0]);
      if (v != null) {
        values.add(v);
      }
    }
    return values;
  }

  /** Index of the '}' ending the label set at the start of {@code s}, honouring quoted values. */
  private static int closingBrace(String s) {
    boolean quoted = false;
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == '}') {
        return i;
      }
    }
    return -1;
  }

  private static Double parseValue(String token) {
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
          return null;
        }
    }
  }
}
