package io.llamasupervisor.supervisor.config;

/**
 * A configuration value that cannot be used. The message names the key, the value and what is
 * allowed, e.g. {@code supervisor.defaults.cache-type-k: 'q3_k' is not allowed; allowed: f32, f16,
 * ...}.
 */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String message) {
    super(key == null ? message : key + ": " + message);
    this.key = key;
  }

  /**
   * The full key, or {@code null} when the problem is not about one key (e.g. a YAML syntax error).
   */
  public String key() {
    return key;
  }
}
