package io.llamasupervisor.cache;

import java.util.Arrays;

/**
 * The top-level shape of a JSON text, found in one pass over its bytes without parsing scalars.
 *
 * <p>Why not a parser: a cache at its bound checks every answer it stores, and tokenizing every
 * number and string of an answer with Jackson cost more than the rest of the store. This check is
 * structural, not a validator: the bytes come from llama-server with status 200, and what it must
 * tell apart is a whole completion from one cut short, an error, or something appended.
 *
 * <p>Contract of {@link #isCompletion}: {@code true} only when the bytes are one JSON object
 * (whitespace around it allowed) whose strings are all closed, whose brackets and braces match,
 * that has a top-level {@code "choices"} array and no top-level {@code "error"} field. Scalars
 * (numbers, {@code true}, {@code null}…) are skipped as they are, not checked.
 */
final class JsonShape {
  private static final byte[] CHOICES = {'c', 'h', 'o', 'i', 'c', 'e', 's'};
  private static final byte[] ERROR = {'e', 'r', 'r', 'o', 'r'};

  private JsonShape() {}

  /** Whether the first {@code length} bytes of {@code b} are a whole completion (see above). */
  static boolean isCompletion(byte[] b, int length) {
    byte[] open = new byte[16]; // the brackets and braces not yet closed, outermost first
    int depth = 0;
    boolean choices = false;
    boolean ended = false;
    boolean expectName = false; // at depth 1, after '{' or ','
    int i = 0;
    while (i < length) {
      byte c = b[i];
      if (ended) {
        if (!whitespace(c)) {
          return false; // something after the object
        }
        i++;
        continue;
      }
      switch (c) {
        case '{', '[' -> {
          if (depth == 0 && c != '{') {
            return false;
          }
          if (depth == open.length) {
            open = Arrays.copyOf(open, depth * 2);
          }
          open[depth++] = c;
          expectName = depth == 1;
          i++;
        }
        case '}', ']' -> {
          if (depth == 0 || open[depth - 1] != (c == '}' ? '{' : '[')) {
            return false;
          }
          depth--;
          ended = depth == 0;
          i++;
        }
        case '"' -> {
          int end = stringEnd(b, i + 1, length);
          if (end < 0) {
            return false; // a string cut short
          }
          if (depth == 1 && expectName) {
            expectName = false;
            int v = skipWhitespace(b, end + 1, length);
            if (v >= length || b[v] != ':') {
              return false;
            }
            v = skipWhitespace(b, v + 1, length);
            if (equals(b, i + 1, end, ERROR)) {
              return false;
            }
            if (equals(b, i + 1, end, CHOICES) && v < length && b[v] == '[') {
              choices = true;
            }
            i = v;
          } else {
            i = end + 1;
          }
        }
        case ',' -> {
          expectName = depth == 1;
          i++;
        }
        default -> {
          if (depth == 0 && !whitespace(c)) {
            return false; // something before the object
          }
          i++;
        }
      }
    }
    return ended && choices;
  }

  /** The index of the quote that closes a string whose content starts at {@code from}, or -1. */
  private static int stringEnd(byte[] b, int from, int length) {
    for (int j = from; j < length; j++) {
      if (b[j] == '\\') {
        j++; // the escaped byte is content, even a quote
      } else if (b[j] == '"') {
        return j;
      }
    }
    return -1;
  }

  private static int skipWhitespace(byte[] b, int from, int length) {
    int j = from;
    while (j < length && whitespace(b[j])) {
      j++;
    }
    return j;
  }

  private static boolean whitespace(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  private static boolean equals(byte[] b, int from, int to, byte[] name) {
    return to - from == name.length && Arrays.equals(b, from, to, name, 0, name.length);
  }
}
