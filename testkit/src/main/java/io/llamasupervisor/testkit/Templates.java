package io.llamasupervisor.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * JSON shapes captured from the real server and reused as templates: the sampling parameters of
 * {@code /props} and {@code /slots}, and the {@code generation_settings} of {@code /completion}.
 */
final class Templates {
  private static final Map<String, Object> SLOT_PARAMS = load("slot-params.json");
  private static final Map<String, Object> GENERATION_SETTINGS = load("generation-settings.json");

  private Templates() {}

  /** A fresh copy of the default sampling parameters ({@code /props}, {@code /slots}). */
  static Map<String, Object> slotParams() {
    return ServerJson.copy(SLOT_PARAMS);
  }

  /** A fresh copy of a completion's {@code generation_settings}. */
  static Map<String, Object> generationSettings() {
    return ServerJson.copy(GENERATION_SETTINGS);
  }

  static Map<String, Object> chatTemplateCaps() {
    return ServerJson.object(
        "supports_object_arguments", false,
        "supports_parallel_tool_calls", false,
        "supports_preserve_reasoning", false,
        "supports_reasoning_effort", false,
        "supports_string_content", true,
        "supports_system_role", true,
        "supports_tool_calls", false,
        "supports_tools", false,
        "supports_typed_content", false);
  }

  private static Map<String, Object> load(String name) {
    try (InputStream in = Templates.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath");
      }
      return ServerJson.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
