package io.llamasupervisor.supervisor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One value of the configuration tree with its full key, converting it to a type and naming the
 * key, the value and what is allowed when it cannot.
 */
record ConfigNode(String key, Object value) {
  private static final Pattern PLAIN_SEGMENT = Pattern.compile("[A-Za-z0-9_-]+");

  /** The child key of this one, quoting a segment that is not a plain word (globs). */
  String childKey(String segment) {
    String s = PLAIN_SEGMENT.matcher(segment).matches() ? segment : '"' + segment + '"';
    return key.isEmpty() ? s : key + "." + s;
  }

  boolean isNull() {
    return value == null;
  }

  /**
   * The entries of a mapping. Field names are normalized to kebab-case ({@code ctxSize} and {@code
   * ctx_size} become {@code ctx-size}) when {@code allowed} is given, and any other name is an
   * error; with {@code allowed == null} keys are kept verbatim (globs, variable names).
   */
  Map<String, ConfigNode> entries(List<String> allowed) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> m)) {
      throw error("expected a mapping");
    }
    Map<String, ConfigNode> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String k = String.valueOf(e.getKey());
      if (allowed != null) {
        String kebab = kebab(k);
        if (!allowed.contains(kebab)) {
          throw unknownKey(childKey(k), kebab, allowed);
        }
        k = kebab;
      }
      out.put(k, new ConfigNode(childKey(k), e.getValue()));
    }
    return out;
  }

  /**
   * The error for a key that no binder reads: its full path, the closest known key when one is
   * close enough to be a typo of it, and every key allowed at that level.
   */
  static ConfigException unknownKey(String fullKey, String name, List<String> allowed) {
    String closest = null;
    int best = Integer.MAX_VALUE;
    for (String a : allowed) {
      int d = editDistance(name, a);
      if (d < best) {
        best = d;
        closest = a;
      }
    }
    boolean typo = closest != null && best <= Math.max(2, closest.length() / 3);
    return new ConfigException(
        fullKey,
        "unknown key"
            + (typo ? "; did you mean " + closest + "?" : "")
            + " (allowed here: "
            + String.join(", ", allowed)
            + ")");
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(subst, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  String string() {
    if (value instanceof Map<?, ?> || value instanceof List<?> || value == null) {
      throw error("expected a single value");
    }
    String s = value.toString().trim();
    if (s.isEmpty()) {
      throw error("must not be empty");
    }
    return s;
  }

  int integer(int min, int max) {
    long v;
    if (value instanceof Number n && !(value instanceof Double || value instanceof Float)) {
      v = n.longValue();
    } else if (value instanceof String s && s.trim().matches("-?\\d{1,18}")) {
      v = Long.parseLong(s.trim());
    } else {
      throw error("expected a whole number from " + min + " to " + max);
    }
    if (v < min || v > max) {
      throw error("must be from " + min + " to " + max);
    }
    return (int) v;
  }

  boolean bool() {
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s) {
      switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on" -> {
          return true;
        }
        case "false", "no", "off" -> {
          return false;
        }
        default -> {}
      }
    }
    throw error("expected true or false");
  }

  /** A duration in the grammar of {@link Durations}. */
  Duration duration() {
    try {
      return Durations.parse(value == null ? "" : value.toString());
    } catch (IllegalArgumentException e) {
      throw error(
          e.getMessage().contains("too long")
              ? "is too long; at most 365 days"
              : "expected a duration such as " + Durations.FORMS);
    }
  }

  /** A path; {@code ~/} at the start means the user's home directory. */
  Path path() {
    String s = string();
    if (s.equals("~") || s.startsWith("~/")) {
      s = System.getProperty("user.home") + s.substring(1);
    }
    return Path.of(s).toAbsolutePath().normalize();
  }

  /** A list of scalars; a single string is split at whitespace. */
  List<String> stringList() {
    List<String> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    if (value instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        Object x = l.get(i);
        if (x == null || x instanceof Map<?, ?> || x instanceof List<?>) {
          throw new ConfigException(key + "[" + i + "]", "expected a single value, got " + x);
        }
        out.add(x.toString());
      }
      return out;
    }
    String s = string();
    for (String part : s.split("\\s+")) {
      out.add(part);
    }
    return out;
  }

  ConfigException error(String what) {
    return new ConfigException(key, "'" + value + "' is invalid; " + what);
  }

  static String kebab(String name) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isUpperCase(c)) {
        if (i > 0) {
          sb.append('-');
        }
        sb.append(Character.toLowerCase(c));
      } else {
        sb.append(c == '_' ? '-' : c);
      }
    }
    return sb.toString();
  }
}
