package io.llamasupervisor.gateway.conversation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;

/**
 * Stored responses in this process (Caffeine): bounded by the sum of {@link StoredResponse#bytes()}
 * (least recently used first out), each entry expiring {@code ttl} after it was stored. The ticker
 * is injectable so tests move time by hand.
 */
public final class MemoryConversationStore implements ConversationStore {
  private final Cache<String, StoredResponse> cache;

  public MemoryConversationStore(long maxBytes, Duration ttl) {
    this(maxBytes, ttl, Ticker.systemTicker());
  }

  public MemoryConversationStore(long maxBytes, Duration ttl, Ticker ticker) {
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String k, StoredResponse v) -> (int) Math.min(Integer.MAX_VALUE, v.bytes()))
            .expireAfterWrite(ttl)
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
  }

  @Override
  public Optional<StoredResponse> get(String id) {
    return Optional.ofNullable(cache.getIfPresent(id));
  }

  @Override
  public void put(StoredResponse r) {
    cache.put(r.id(), r);
  }

  @Override
  public boolean remove(String id) {
    return cache.asMap().remove(id) != null;
  }

  @Override
  public long count() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  @Override
  public long bytes() {
    cache.cleanUp();
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(-1L)).orElse(-1L);
  }
}
