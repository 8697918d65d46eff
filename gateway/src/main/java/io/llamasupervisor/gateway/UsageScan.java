package io.llamasupervisor.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Token counts from the end of a response: the last {@code "usage"} object ({@code prompt_tokens},
 * {@code completion_tokens}) and the last {@code "timings"} object ({@code prompt_n}, {@code
 * predicted_n}, {@code predicted_per_second}) in the tail of a JSON body or an event stream (the
 * last event carrying them). Counts are -1 when absent. Thread-safe.
 */
final class UsageScan {
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TIMINGS = "\"timings\"".getBytes(StandardCharsets.US_ASCII);

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
      long[] v = numbers(tail, u + USAGE.length, length, "prompt_tokens", "completion_tokens");
      prompt = v[0];
      completion = v[1];
    }
    int t = lastIndexOf(tail, length, TIMINGS);
    if (t >= 0) {
      double[] v = timings(tail, t + TIMINGS.length, length);
      prompt = prompt < 0 ? (long) v[0] : prompt;
      completion = completion < 0 ? (long) v[1] : completion;
      perSecond = v[2];
    }
    return new Usage(prompt, completion, perSecond);
  }

  private static long[] numbers(byte[] b, int from, int end, String first, String second) {
    long[] out = {-1, -1};
    try (JsonParser p = object(b, from, end)) {
      if (p == null) {
        return out;
      }
      JsonToken tok;
      while ((tok = p.nextToken()) != null && tok != JsonToken.END_OBJECT) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.VALUE_NUMBER_INT && first.equals(name)) {
          out[0] = p.getLongValue();
        } else if (v == JsonToken.VALUE_NUMBER_INT && second.equals(name)) {
          out[1] = p.getLongValue();
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      // a cut tail: keep what was read
    }
    return out;
  }

  private static double[] timings(byte[] b, int from, int end) {
    double[] out = {-1, -1, -1};
    try (JsonParser p = object(b, from, end)) {
      if (p == null) {
        return out;
      }
      JsonToken tok;
      while ((tok = p.nextToken()) != null && tok != JsonToken.END_OBJECT) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v.isNumeric()) {
          switch (name) {
            case "prompt_n" -> out[0] = p.getLongValue();
            case "predicted_n" -> out[1] = p.getLongValue();
            case "predicted_per_second" -> out[2] = p.getDoubleValue();
            default -> {}
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      // a cut tail: keep what was read
    }
    return out;
  }

  /** A parser positioned on the START_OBJECT after {@code "name"} and its colon, or null. */
  private static JsonParser object(byte[] b, int from, int end) throws IOException {
    int i = from;
    while (i < end
        && (b[i] == ' ' || b[i] == ':' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i++;
    }
    if (i >= end || b[i] != '{') {
      return null;
    }
    JsonParser p = JSON.createParser(b, i, end - i);
    p.nextToken();
    return p;
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
}
