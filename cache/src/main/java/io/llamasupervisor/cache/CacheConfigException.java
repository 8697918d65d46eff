package io.llamasupervisor.cache;

/** A cache setting with a bad value; the message names the key, the value and what is allowed. */
public final class CacheConfigException extends IllegalArgumentException {
  private final String key;
  private final String problem;

  public CacheConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
    this.problem = problem;
  }

  /** What is wrong with the value, without the key. */
  public String problem() {
    return problem;
  }

  /** The full key, e.g. {@code supervisor.cache.ttl}. */
  public String key() {
    return key;
  }
}
