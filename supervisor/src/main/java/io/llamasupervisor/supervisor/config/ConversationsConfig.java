package io.llamasupervisor.supervisor.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code supervisor.gateway.conversations.*}: how the gateway keeps {@code /v1/responses}
 * conversations.
 *
 * @param maxBytes {@code max-bytes}: bound of the in-memory store (default 256 MiB)
 * @param ttl {@code ttl}: how long a stored response lives (default 24 h)
 * @param redisUrl the response caches' Redis ({@code supervisor.cache.redis.url}, default {@code
 *     redis://127.0.0.1:6379}) when {@code supervisor.cache.backend} is {@code redis}; null: memory
 * @param redisTimeout {@code supervisor.cache.redis.timeout} (default 100 ms)
 */
public record ConversationsConfig(
    long maxBytes, Duration ttl, URI redisUrl, Duration redisTimeout) {

  static final String SECTION = "conversations";
  static final List<String> KEYS = List.of("max-bytes", "ttl");

  /**
   * Binds the keys.
   *
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public static ConversationsConfig of(SupervisorConfig config) {
    String key = "supervisor.gateway." + SECTION;
    ConfigNode node =
        new ConfigNode(key, config.tree().get("supervisor", "gateway", SECTION).orElse(null));
    Map<String, ConfigNode> c = node.entries(KEYS);
    long maxBytes = 256L * 1024 * 1024;
    if (c.containsKey("max-bytes") && !c.get("max-bytes").isNull()) {
      maxBytes = ServeConfig.bytes(c.get("max-bytes"));
      if (maxBytes < 1) {
        throw c.get("max-bytes").error("must be at least 1 byte");
      }
    }
    Duration ttl = Duration.ofHours(24);
    if (c.containsKey("ttl") && !c.get("ttl").isNull()) {
      ttl = c.get("ttl").duration();
      if (ttl.isZero() || ttl.isNegative()) {
        throw c.get("ttl").error("must be more than 0");
      }
    }
    Object backend = config.tree().get("supervisor", "cache", "backend").orElse("memory");
    if (!"redis".equals(String.valueOf(backend))) {
      return new ConversationsConfig(maxBytes, ttl, null, null);
    }
    ConfigNode url =
        new ConfigNode(
            "supervisor.cache.redis.url",
            config.tree().get("supervisor", "cache", "redis", "url").orElse(null));
    ConfigNode timeout =
        new ConfigNode(
            "supervisor.cache.redis.timeout",
            config.tree().get("supervisor", "cache", "redis", "timeout").orElse(null));
    URI redis;
    try {
      redis = URI.create(url.isNull() ? "redis://127.0.0.1:6379" : url.string());
    } catch (IllegalArgumentException e) {
      throw url.error("expected redis://host:port[/db]");
    }
    return new ConversationsConfig(
        maxBytes, ttl, redis, timeout.isNull() ? Duration.ofMillis(100) : timeout.duration());
  }
}
