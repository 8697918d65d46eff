package io.llamasupervisor.gateway.conversation;

import java.net.URI;
import java.time.Duration;

/**
 * How the gateway keeps conversations ({@code supervisor.gateway.conversations.*}).
 *
 * @param maxBytes bound of the in-memory store ({@link StoredResponse#bytes()} summed); the least
 *     recently used entries go first; default 256 MiB
 * @param ttl how long a stored response lives after it was stored; default 24 h
 * @param redisUrl when not null, the store is this Redis (the response caches' Redis) instead of
 *     memory
 * @param redisTimeout bound of every Redis command
 */
public record ConversationSettings(
    long maxBytes, Duration ttl, URI redisUrl, Duration redisTimeout) {

  public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  public ConversationSettings {
    if (maxBytes < 1) {
      throw new IllegalArgumentException(
          "conversations max-bytes must be at least 1 byte, was " + maxBytes);
    }
    if (ttl == null || ttl.isZero() || ttl.isNegative()) {
      throw new IllegalArgumentException("conversations ttl must be more than 0, was " + ttl);
    }
    redisTimeout = redisTimeout == null ? Duration.ofMillis(500) : redisTimeout;
  }

  /** In memory, 256 MiB, 24 h. */
  public static ConversationSettings defaults() {
    return new ConversationSettings(DEFAULT_MAX_BYTES, DEFAULT_TTL, null, null);
  }

  public ConversationSettings withRedis(URI url, Duration timeout) {
    return new ConversationSettings(maxBytes, ttl, url, timeout);
  }

  /** A new store of these settings: Redis when {@link #redisUrl()} is set, else memory. */
  public ConversationStore openStore() {
    return redisUrl == null
        ? new MemoryConversationStore(maxBytes, ttl)
        : new RedisConversationStore(redisUrl, redisTimeout, ttl);
  }
}
