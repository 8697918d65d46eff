package io.llamasupervisor.health;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the real llama-server captures in {@code src/test/resources/llama-server-raw/} (shipped in
 * this module's test-jar, so other modules' tests read the same captures).
 */
public final class Captures {
  private Captures() {}

  /** The capture {@code file} as text, e.g. {@code metrics.txt}. */
  public static String text(String file) {
    try (InputStream in = Captures.class.getResourceAsStream("/llama-server-raw/" + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no capture " + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The recorded exchange {@code key} (e.g. {@code "GET /slots (idle)"}) of a capture file. */
  static JsonNode exchange(String file, String key) {
    JsonNode all =
        JsonBody.parse(text(file))
            .orElseThrow(() -> new IllegalStateException(file + " does not parse"));
    JsonNode exchange = all.path(key);
    if (!exchange.isObject()) {
      throw new IllegalArgumentException("no exchange '" + key + "' in " + file);
    }
    return exchange;
  }

  static String body(String file, String key) {
    return exchange(file, key).path("body").asText();
  }

  static int status(String file, String key) {
    return exchange(file, key).path("status").intValue();
  }
}
