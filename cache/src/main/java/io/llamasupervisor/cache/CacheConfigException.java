package io.llamasupervisor.cache;

/** A cache setting with a bad value; the message names the key, the value and what is allowed. */
public final class CacheConfigException extends IllegalArgumentException {
  private final String key;

  public CacheConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  /** The full key, e.g. {@code supervisor.cache.ttl}. */
  public String key() {
    return key;
  }
}
