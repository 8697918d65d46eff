package io.llamasupervisor.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small, strict JSON (RFC 8259) reader for the few llama-server bodies this package reads. It
 * returns plain Java values: {@link Map} (insertion ordered) for objects, {@link List} for arrays,
 * {@link String}, {@link Boolean}, {@link Long} for integers that fit, {@link Double} for other
 * numbers, and {@code null} for JSON null. Unknown fields are simply part of the maps, so callers
 * tolerate extra fields by construction.
 *
 * <p>Malformed input, trailing garbage and nesting deeper than {@link #MAX_DEPTH} throw {@link
 * JsonException}; nothing else is thrown.
 */
final class Json {
  static final int MAX_DEPTH = 256;

  private final String s;
  private int pos;
  private int depth;

  private Json(String s) {
    this.s = s;
  }

  /** Thrown for input that is not one complete JSON value. */
  static final class JsonException extends Exception {
    JsonException(String message) {
      super(message);
    }
  }

  /** Parses one complete JSON value; whitespace around it is allowed, anything else is not. */
  static Object parse(String text) throws JsonException {
    if (text == null) {
      throw new JsonException("no body");
    }
    Json p = new Json(text);
    p.skipWhitespace();
    Object value = p.value();
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw p.error("trailing characters");
    }
    return value;
  }

  /** {@code value} as an object, or empty. */
  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> asObject(Object value) {
    return value instanceof Map ? Optional.of((Map<String, Object>) value) : Optional.empty();
  }

  /** The string at {@code path} (object keys) below {@code root}, or empty. */
  static Optional<String> stringAt(Object root, String... path) {
    Object v = at(root, path);
    return v instanceof String str ? Optional.of(str) : Optional.empty();
  }

  /** The value at {@code path} (object keys) below {@code root}, or null when absent. */
  static Object at(Object root, String... path) {
    Object v = root;
    for (String key : path) {
      if (!(v instanceof Map<?, ?> m)) {
        return null;
      }
      v = m.get(key);
    }
    return v;
  }

  private Object value() throws JsonException {
    if (pos >= s.length()) {
      throw error("unexpected end of input");
    }
    char c = s.charAt(pos);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("unexpected character '" + c + "'");
    }
  }

  private Map<String, Object> object() throws JsonException {
    enter();
    pos++; // {
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      depth--;
      return map;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a string key");
      }
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      map.put(key, value());
      skipWhitespace();
      char c = next();
      if (c == '}') {
        depth--;
        return map;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private List<Object> array() throws JsonException {
    enter();
    pos++; // [
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      depth--;
      return list;
    }
    while (true) {
      skipWhitespace();
      list.add(value());
      skipWhitespace();
      char c = next();
      if (c == ']') {
        depth--;
        return list;
      }
      if (c != ',') {
        throw error("expected ',' or ']'");
      }
    }
  }

  private String string() throws JsonException {
    pos++; // opening quote
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        throw error("control character in string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> sb.append(hex4());
        default -> throw error("bad escape '\\" + e + "'");
      }
    }
  }

  private char hex4() throws JsonException {
    if (pos + 4 > s.length()) {
      throw error("short \\u escape");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(s.charAt(pos++), 16);
      if (d < 0) {
        throw error("bad \\u escape");
      }
      v = v * 16 + d;
    }
    return (char) v; // surrogate pairs come as two escapes and combine in the StringBuilder
  }

  private Object number() throws JsonException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      digits();
    } else {
      throw error("bad number");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error("bad number");
      }
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("bad number");
      }
      digits();
    }
    String text = s.substring(start, pos);
    if (integral) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException tooBig) {
        // falls through to a double
      }
    }
    return Double.parseDouble(text);
  }

  private void digits() {
    while (isDigit(peek())) {
      pos++;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private Object literal(String word, Object value) throws JsonException {
    if (!s.startsWith(word, pos)) {
      throw error("unexpected literal");
    }
    pos += word.length();
    return value;
  }

  private void enter() throws JsonException {
    if (++depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
  }

  private void skipWhitespace() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  /** The current character, or NUL at the end (never valid where it matters). */
  private char peek() {
    return pos < s.length() ? s.charAt(pos) : '\0';
  }

  private char next() throws JsonException {
    if (pos >= s.length()) {
      throw error("unexpected end of input");
    }
    return s.charAt(pos++);
  }

  private void expect(char c) throws JsonException {
    if (next() != c) {
      throw error("expected '" + c + "'");
    }
  }

  private JsonException error(String what) {
    return new JsonException(what + " at offset " + pos);
  }
}
