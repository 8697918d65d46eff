package io.llamasupervisor.gateway;

import java.nio.charset.StandardCharsets;

/**
 * Token counts from the end of a response: the last {@code "usage"} object ({@code prompt_tokens},
 * {@code completion_tokens}) and the last {@code "timings"} object ({@code prompt_n}, {@code
 * predicted_n}, {@code predicted_per_second}) in the tail of a JSON body or an event stream (the
 * last event carrying them). Counts are -1 when absent. A small hand-written scanner over the bytes
 * (no parser objects per response: this runs once for every proxied answer). Thread-safe.
 */
final class UsageScan {
  private static final byte[] USAGE = ascii("\"usage\"");
  private static final byte[] TIMINGS = ascii("\"timings\"");
  private static final byte[] PROMPT_TOKENS = ascii("prompt_tokens");
  private static final byte[] COMPLETION_TOKENS = ascii("completion_tokens");
  private static final byte[] PROMPT_N = ascii("prompt_n");
  private static final byte[] PREDICTED_N = ascii("predicted_n");
  private static final byte[] PER_SECOND = ascii("predicted_per_second");

  private UsageScan() {}

  record Usage(long prompt, long completion, double perSecond) {
    static final Usage NONE = new Usage(-1, -1, -1);
  }

  static Usage scan(byte[] tail, int length) {
    long prompt = -1;
    long completion = -1;
    double perSecond = -1;
    int u = lastIndexOf(tail, length, USAGE);
    if (u >= 0) {
      double[] v = fields(tail, u + USAGE.length, length, PROMPT_TOKENS, COMPLETION_TOKENS, null);
      prompt = (long) v[0];
      completion = (long) v[1];
    }
    int t = lastIndexOf(tail, length, TIMINGS);
    if (t >= 0) {
      double[] v = fields(tail, t + TIMINGS.length, length, PROMPT_N, PREDICTED_N, PER_SECOND);
      prompt = prompt < 0 ? (long) v[0] : prompt;
      completion = completion < 0 ? (long) v[1] : completion;
      perSecond = v[2];
    }
    return new Usage(prompt, completion, perSecond);
  }

  /**
   * The numbers of the named top-level fields of the object that starts after {@code from} (after
   * optional blanks and a colon); -1 for a field that is absent, not a number, or cut off.
   */
  private static double[] fields(byte[] b, int from, int end, byte[] k0, byte[] k1, byte[] k2) {
    double[] out = {-1, -1, -1};
    int i = skipBlanks(b, from, end);
    if (i < end && b[i] == ':') {
      i = skipBlanks(b, i + 1, end);
    }
    if (i >= end || b[i] != '{') {
      return out;
    }
    int depth = 0;
    boolean expectKey = true;
    while (i < end) {
      byte c = b[i];
      if (c == '"') {
        int close = stringEnd(b, i + 1, end);
        if (close < 0) {
          return out;
        }
        if (depth == 1 && expectKey) {
          int slot = matches(b, i + 1, close, k0) ? 0 : matches(b, i + 1, close, k1) ? 1 : -1;
          if (slot < 0 && k2 != null && matches(b, i + 1, close, k2)) {
            slot = 2;
          }
          if (slot >= 0) {
            int v = skipBlanks(b, close + 1, end);
            if (v < end && b[v] == ':') {
              out[slot] = number(b, skipBlanks(b, v + 1, end), end);
            }
          }
        }
        expectKey = false;
        i = close + 1;
        continue;
      }
      if (c == '{' || c == '[') {
        depth++;
        expectKey = c == '{';
      } else if (c == '}' || c == ']') {
        depth--;
        if (depth == 0) {
          return out;
        }
      } else if (c == ',') {
        expectKey = true;
      }
      i++;
    }
    return out;
  }

  /** The number at {@code i}, or -1 when there is none or it runs to the end of the tail. */
  private static double number(byte[] b, int i, int end) {
    int j = i;
    long whole = 0;
    boolean digits = false;
    while (j < end && b[j] >= '0' && b[j] <= '9') {
      whole = whole * 10 + (b[j] - '0');
      digits = true;
      j++;
    }
    if (!digits || j >= end) {
      return -1;
    }
    if (b[j] != '.' && b[j] != 'e' && b[j] != 'E') {
      return whole;
    }
    double fraction = fraction(b, j, end);
    if (fraction >= 0) {
      return whole + fraction;
    }
    while (j < end
        && (b[j] == '.'
            || b[j] == 'e'
            || b[j] == 'E'
            || b[j] == '-'
            || b[j] == '+'
            || (b[j] >= '0' && b[j] <= '9'))) {
      j++;
    }
    if (j >= end) {
      return -1;
    }
    try {
      return Double.parseDouble(new String(b, i, j - i, StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The fraction at {@code dot} ({@code .} and digits, no exponent) from its first 18 digits, or -1
   * when the number goes on with an exponent or runs to the end. llama-server writes rates with 17
   * significant digits, which sends {@link Double#parseDouble} down its big-number path; a metric
   * needs far fewer.
   */
  private static double fraction(byte[] b, int dot, int end) {
    if (b[dot] != '.') {
      return -1;
    }
    long digits = 0;
    long scale = 1;
    int j = dot + 1;
    for (; j < end && b[j] >= '0' && b[j] <= '9'; j++) {
      if (scale < 1_000_000_000_000_000L) {
        digits = digits * 10 + (b[j] - '0');
        scale *= 10;
      }
    }
    if (j == dot + 1 || j >= end || b[j] == 'e' || b[j] == 'E') {
      return -1;
    }
    return (double) digits / scale;
  }

  private static int stringEnd(byte[] b, int i, int end) {
    while (i < end) {
      if (b[i] == '\\') {
        i += 2;
      } else if (b[i] == '"') {
        return i;
      } else {
        i++;
      }
    }
    return -1;
  }

  private static boolean matches(byte[] b, int from, int to, byte[] key) {
    if (to - from != key.length) {
      return false;
    }
    for (int k = 0; k < key.length; k++) {
      if (b[from + k] != key[k]) {
        return false;
      }
    }
    return true;
  }

  private static int skipBlanks(byte[] b, int i, int end) {
    while (i < end && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i++;
    }
    return i;
  }

  private static int lastIndexOf(byte[] b, int length, byte[] needle) {
    outer:
    for (int i = length - needle.length; i >= 0; i--) {
      for (int j = 0; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
