package io.llamasupervisor.app.gateway;

import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.cache.CacheConfigException;
import io.llamasupervisor.supervisor.config.ByteSizes;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.Durations;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import java.time.Duration;
import java.util.Map;

/**
 * The response cache's settings from {@code supervisor.cache.*}, {@code
 * supervisor.defaults.cache.*} and {@code supervisor.models."<glob>".cache.*}, read with the
 * configuration's own grammar of durations ({@link Durations}) and sizes ({@link ByteSizes}).
 */
public final class CacheSettings {
  /** The configuration's grammar, for the cache module (which does not depend on the core). */
  public static final CacheConfig.Units UNITS =
      new CacheConfig.Units() {
        @Override
        public Duration duration(String text) {
          return Durations.parse(text);
        }

        @Override
        public long bytes(String text) {
          return ByteSizes.parse(text);
        }
      };

  private CacheSettings() {}

  /**
   * @throws ConfigException naming the key, the value and what is allowed
   */
  @SuppressWarnings("unchecked")
  public static CacheConfig config(SupervisorConfig config) {
    Object supervisor = config.tree().get("supervisor").orElse(null);
    try {
      return CacheConfig.parse(
          supervisor instanceof Map<?, ?> m ? (Map<String, ?>) m : Map.of(), UNITS);
    } catch (CacheConfigException e) {
      throw new ConfigException(e.key(), e.problem());
    }
  }
}
