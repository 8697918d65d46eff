package io.llamasupervisor.health;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

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
  static Map<String, Object> exchange(String file, String key) {
    try {
      Object all = Json.parse(text(file));
      return Json.asObject(Json.at(all, key))
          .orElseThrow(() -> new IllegalArgumentException("no exchange '" + key + "' in " + file));
    } catch (Json.JsonException e) {
      throw new IllegalStateException(file + " does not parse", e);
    }
  }

  static String body(String file, String key) {
    return (String) exchange(file, key).get("body");
  }

  static int status(String file, String key) {
    return ((Long) exchange(file, key).get("status")).intValue();
  }
}
