package io.llamasupervisor.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads what routing needs from a request body with Jackson's streaming parser: the top-level
 * {@code model} string and, when asked, a hash of the conversation prefix (the first {@value
 * #PREFIX_MESSAGES} entries of {@code messages}, or the start of {@code prompt}). Parsing stops as
 * soon as it has what it needs; the body itself is never copied or changed. Thread-safe.
 */
public final class ModelField {
  /** Messages that make up the conversation prefix (system prompt and first user turn). */
  public static final int PREFIX_MESSAGES = 2;

  private static final int PROMPT_PREFIX_CHARS = 1024;
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private ModelField() {}

  /**
   * What was read: {@code model} is null when the body has no string {@code model} at top level;
   * {@code prefixHash} is 0 when not asked for or not found; {@code error} is set when the body is
   * not a JSON object (then the other fields are what was read before the error).
   */
  public record Result(String model, long prefixHash, String error) {}

  /** Reads {@code body}; with {@code prefix} it also hashes the conversation prefix. */
  public static Result read(InputStream body, boolean prefix) {
    String model = null;
    long hash = 0;
    boolean modelDone = false;
    boolean prefixDone = !prefix;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return new Result(null, 0, "expected a JSON object");
      }
      while (!(modelDone && prefixDone)) {
        JsonToken t = p.nextToken();
        if (t == null || t == JsonToken.END_OBJECT) {
          break;
        }
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if ("model".equals(field) && !modelDone) {
          modelDone = true;
          if (v == JsonToken.VALUE_STRING) {
            model = p.getText();
          } else {
            p.skipChildren();
          }
        } else if (!prefixDone && "messages".equals(field) && v == JsonToken.START_ARRAY) {
          hash = hashMessages(p);
          prefixDone = true;
        } else if (!prefixDone && "prompt".equals(field) && v == JsonToken.VALUE_STRING) {
          String text = p.getText();
          hash =
              fnv(FNV_OFFSET, text.substring(0, Math.min(text.length(), PROMPT_PREFIX_CHARS))) | 1;
          prefixDone = true;
        } else {
          p.skipChildren();
        }
      }
      return new Result(model, hash, null);
    } catch (IOException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      int nl = msg.indexOf('\n');
      return new Result(model, hash, nl > 0 ? msg.substring(0, nl) : msg);
    }
  }

  /** Hashes the first messages token by token and skips the rest of the array. */
  private static long hashMessages(JsonParser p) throws IOException {
    long h = FNV_OFFSET;
    int seen = 0;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
      if (seen >= PREFIX_MESSAGES) {
        p.skipChildren();
        continue;
      }
      int depth = 0;
      do {
        h = fnv(h, t.name());
        if (t == JsonToken.FIELD_NAME || t.isScalarValue()) {
          h = fnv(h, p.getText());
        }
        if (t.isStructStart()) {
          depth++;
        } else if (t.isStructEnd()) {
          depth--;
        }
      } while (depth > 0 && (t = p.nextToken()) != null);
      seen++;
    }
    return seen == 0 ? 0 : h | 1;
  }

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private static long fnv(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= FNV_PRIME;
    }
    h ^= 0xff;
    return h * FNV_PRIME;
  }
}
