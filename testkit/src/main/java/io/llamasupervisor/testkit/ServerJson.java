package io.llamasupervisor.testkit;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer, enough for llama-server's request and response bodies.
 *
 * <p>Parsing yields {@link LinkedHashMap} (key order kept), {@link ArrayList}, {@link String},
 * {@link Long} (integers that fit) or {@link Double}, {@link Boolean} and {@code null}. Writing
 * accepts the same types plus any {@link Number} and emits compact JSON in map order, numbers the
 * way llama-server (nlohmann::json) prints them: integers plainly, doubles in their shortest form
 * with a decimal point ({@code 0.0}, {@code 0.800000011920929}).
 */
public final class ServerJson {
  private ServerJson() {}

  /** A malformed document; the message mimics nlohmann::json's parse errors. */
  public static final class ParseException extends RuntimeException {
    ParseException(String message) {
      super(message);
    }
  }

  /** Parses one JSON document (surrounding whitespace allowed). */
  public static Object parse(String text) {
    Parser p = new Parser(text);
    p.skipWs();
    Object v = p.value();
    p.skipWs();
    if (p.pos < text.length()) {
      throw p.error("end of input", "expected end of input");
    }
    return v;
  }

  /** Parses a document that must be an object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) {
      throw new ParseException("[json.exception.type_error.302] type must be object");
    }
    return (Map<String, Object>) v;
  }

  /** Serializes {@code value} compactly. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder(256);
    write(sb, value);
    return sb.toString();
  }

  /** Ordered map builder for literal objects: {@code ServerJson.object("a", 1, "b", "x")}. */
  public static Map<String, Object> object(Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must come in pairs");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  /** Deep copy of a parsed value (maps and lists are copied, leaves shared). */
  @SuppressWarnings("unchecked")
  public static <T> T copy(T value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put((String) k, copy(v)));
      return (T) out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(v -> out.add(copy(v)));
      return (T) out;
    }
    return value;
  }

  private static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (v instanceof Double || v instanceof Float) {
      sb.append(formatDouble(((Number) v).doubleValue()));
    } else if (v instanceof Number n) {
      sb.append(n.longValue());
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        write(sb, l.get(i));
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
  }

  /** A double as nlohmann::json prints it: shortest round-trip digits, never an exponent. */
  static String formatDouble(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return "null";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return (long) d + ".0";
    }
    String s = Double.toString(d);
    return s.indexOf('E') < 0 ? s : new BigDecimal(s).toPlainString();
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /**
   * Deepest nesting of arrays and objects accepted. llama-server's parser (nlohmann::json) sets no
   * limit of its own; the fake refuses more than this instead of overflowing its stack.
   */
  public static final int MAX_DEPTH = 512;

  private static final class Parser {
    final String s;
    int pos;
    int depth;

    Parser(String s) {
      this.s = s;
    }

    void skipWs() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    ParseException error(String context, String expected) {
      int line = 1;
      int col = 0;
      for (int i = 0; i < Math.min(pos + 1, s.length()); i++) {
        if (s.charAt(i) == '\n') {
          line++;
          col = 0;
        } else {
          col++;
        }
      }
      String lastRead = s.substring(Math.max(0, pos - 20), Math.min(s.length(), pos + 1));
      return new ParseException(
          "[json.exception.parse_error.101] parse error at line "
              + line
              + ", column "
              + Math.max(col, 1)
              + ": syntax error while parsing "
              + context
              + " - invalid literal; last read: '"
              + lastRead
              + "'; "
              + expected);
    }

    Object value() {
      if (pos >= s.length()) {
        throw error("value", "unexpected end of input");
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> {
          enter();
          try {
            yield object();
          } finally {
            depth--;
          }
        }
        case '[' -> {
          enter();
          try {
            yield array();
          } finally {
            depth--;
          }
        }
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw error("value", "expected value");
        }
      };
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) {
        throw error("value", "expected value");
      }
      pos += word.length();
      return v;
    }

    Map<String, Object> object() {
      Map<String, Object> m = new LinkedHashMap<>();
      pos++;
      skipWs();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return m;
      }
      while (true) {
        skipWs();
        if (pos >= s.length() || s.charAt(pos) != '"') {
          throw error("object key", "expected string literal");
        }
        String key = string();
        skipWs();
        if (pos >= s.length() || s.charAt(pos) != ':') {
          throw error("object separator", "expected ':'");
        }
        pos++;
        skipWs();
        m.put(key, value());
        skipWs();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        if (pos < s.length() && s.charAt(pos) == '}') {
          pos++;
          return m;
        }
        throw error("object", "expected '}'");
      }
    }

    List<Object> array() {
      List<Object> l = new ArrayList<>();
      pos++;
      skipWs();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return l;
      }
      while (true) {
        skipWs();
        l.add(value());
        skipWs();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        if (pos < s.length() && s.charAt(pos) == ']') {
          pos++;
          return l;
        }
        throw error("array", "expected ']'");
      }
    }

    String string() {
      StringBuilder sb = new StringBuilder();
      pos++;
      while (true) {
        if (pos >= s.length()) {
          throw error("value", "missing closing quote");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("value", "invalid string");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("value", "invalid string: '\\u' must be followed by 4 hex digits");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("value", "invalid string: '\\u' must be followed by 4 hex digits");
            }
            pos += 4;
          }
          default -> throw error("value", "invalid string: forbidden character after backslash");
        }
      }
    }

    /** A number as JSON spells it: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    Object number() {
      int start = pos;
      if (s.charAt(pos) == '-') {
        pos++;
      }
      if (pos < s.length() && s.charAt(pos) == '0') {
        pos++;
      } else if (!digits()) {
        throw error("value", "invalid number; expected digit after '-'");
      }
      boolean fraction = false;
      if (pos < s.length() && s.charAt(pos) == '.') {
        pos++;
        fraction = true;
        if (!digits()) {
          throw error("value", "invalid number; expected digit after '.'");
        }
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        pos++;
        fraction = true;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          pos++;
        }
        if (!digits()) {
          throw error("value", "invalid number; expected '+', '-', or digit after exponent");
        }
      }
      if (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        throw error("value", "unexpected number literal; expected end of input"); // e.g. 01
      }
      String t = s.substring(start, pos);
      if (!fraction) {
        try {
          return Long.parseLong(t);
        } catch (NumberFormatException e) {
          // beyond a long: a double, as nlohmann::json stores it
        }
      }
      return Double.parseDouble(t);
    }

    private boolean digits() {
      int from = pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
      }
      return pos > from;
    }

    void enter() {
      if (++depth > MAX_DEPTH) {
        throw error("value", "excessive nesting: more than " + MAX_DEPTH + " levels");
      }
    }
  }
}
