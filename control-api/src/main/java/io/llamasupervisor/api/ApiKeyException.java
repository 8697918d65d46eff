package io.llamasupervisor.api;

/**
 * An API key entry of the configuration that cannot be used. The message names the entry's key path
 * and what is wrong, e.g. {@code supervisor.api.keys[1].key: API key 'ops' is shorter than 16
 * characters}; {@link #key()} and {@link #reason()} give the two parts.
 */
public final class ApiKeyException extends IllegalArgumentException {
  private final String key;
  private final String reason;

  public ApiKeyException(String key, String reason) {
    super(key + ": " + reason);
    this.key = key;
    this.reason = reason;
  }

  /** The configuration key path of the entry, e.g. {@code supervisor.api.keys[0].role}. */
  public String key() {
    return key;
  }

  /** What is wrong, without the key path. */
  public String reason() {
    return reason;
  }
}
