package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format (0.0.4) for assertions: every line is a HELP, TYPE
 * or sample line; a family's TYPE comes once and before its samples; a family's samples are
 * contiguous; histogram buckets are cumulative and end with {@code +Inf} equal to {@code _count}.
 */
final class PrometheusFormat {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern SAMPLE =
      Pattern.compile(
          "("
              + NAME
              + ")(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})?"
              + " ([-+]?(?:[0-9.eE+-]+|Inf|NaN))( -?[0-9]+)?");
  private static final Pattern TYPE =
      Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");

  private PrometheusFormat() {}

  /** Validates {@code text}; returns every sample as {@code name{labels}} -> value. */
  static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    Map<String, String> types = new HashMap<>();
    Set<String> closed = new HashSet<>();
    String current = null;
    Map<String, Double> lastBucket = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher t = TYPE.matcher(line);
      Matcher h = HELP.matcher(line);
      if (t.matches()) {
        String family = t.group(1);
        if (types.put(family, t.group(2)) != null) {
          fail("TYPE of " + family + " given twice");
        }
        if (current != null && !current.equals(family)) {
          closed.add(current);
        }
        current = family;
        continue;
      }
      if (h.matches()) {
        continue;
      }
      Matcher s = SAMPLE.matcher(line);
      if (!s.matches()) {
        fail("not a Prometheus line: '" + line + "'");
      }
      String name = s.group(1);
      String family = familyOf(name, types);
      assertTrue(types.containsKey(family), "sample " + name + " has no TYPE before it");
      assertTrue(!closed.contains(family), "samples of " + family + " are not contiguous");
      if (!family.equals(current)) {
        closed.add(current);
        current = family;
      }
      double value = parseValue(s.group(4));
      String labels = s.group(3) == null ? "" : s.group(3);
      if (samples.put(name + "{" + labels + "}", value) != null) {
        fail("duplicate sample " + line);
      }
      if (name.endsWith("_bucket")) {
        String series = name + labels.replaceAll(",?le=\"[^\"]*\"", "");
        Double previous = lastBucket.put(series, value);
        assertTrue(previous == null || previous <= value, "buckets not cumulative: " + line);
      }
    }
    for (var e : types.entrySet()) {
      if (e.getValue().equals("histogram")) {
        samples.forEach(
            (k, v) -> {
              if (k.startsWith(e.getKey() + "_bucket{") && k.contains("le=\"+Inf\"")) {
                String count =
                    e.getKey()
                        + "_count{"
                        + k.substring(k.indexOf('{') + 1).replaceAll(",?le=\"\\+Inf\"", "");
                assertEquals(samples.get(count), v, "+Inf bucket equals " + count);
              }
            });
      }
    }
    return samples;
  }

  private static String familyOf(String name, Map<String, String> types) {
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if ("histogram".equals(types.get(base)) || "summary".equals(types.get(base))) {
          return base;
        }
      }
    }
    return name;
  }

  private static double parseValue(String v) {
    return switch (v) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(v);
    };
  }
}
