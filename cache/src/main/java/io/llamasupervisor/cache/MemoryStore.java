package io.llamasupervisor.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;

/**
 * Entries in this process: a Caffeine cache bounded by weight (bytes of the response plus its
 * vector) with a time-to-live after write. An entry that leaves the cache (evicted or expired)
 * leaves the semantic index with it.
 */
final class MemoryStore implements CacheStore {
  private record Value(StoredEntry entry, VectorEntry vector) {
    int weight() {
      return entry.weight() + (vector == null ? 0 : vector.weight());
    }
  }

  private final Cache<String, Value> cache;
  private final SemanticIndex index;

  MemoryStore(
      long maxBytes, Duration ttl, Ticker ticker, SemanticIndex index, CacheMetrics metrics) {
    this.index = index;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String k, Value v) -> v.weight())
            .expireAfterWrite(ttl)
            .ticker(ticker)
            .executor(Runnable::run)
            .removalListener(
                (String key, Value v, RemovalCause cause) -> {
                  if (v != null && v.vector() != null && key != null) {
                    index.remove(key);
                  }
                  if (cause == RemovalCause.SIZE) {
                    metrics.eviction("size");
                  } else if (cause == RemovalCause.EXPIRED) {
                    metrics.eviction("expired");
                  }
                })
            .build();
  }

  @Override
  public Optional<StoredEntry> get(String key) {
    Value v = cache.getIfPresent(key);
    return v == null ? Optional.empty() : Optional.of(v.entry());
  }

  @Override
  public void put(String key, StoredEntry entry, VectorEntry vector) {
    Value old = cache.asMap().put(key, new Value(entry, vector));
    if (old != null && old.vector() != null) {
      index.remove(key);
    }
    if (vector != null && cache.asMap().containsKey(key)) {
      index.add(vector);
    }
  }

  @Override
  public void sync(String scope) {
    // everything this process stores is in the index already
  }

  @Override
  public void maintain() {
    cache.cleanUp();
  }

  @Override
  public long exactEntries() {
    return cache.estimatedSize();
  }

  @Override
  public long bytes() {
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  @Override
  public void close() {
    cache.invalidateAll();
  }
}
