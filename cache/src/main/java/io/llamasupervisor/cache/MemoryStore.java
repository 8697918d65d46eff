package io.llamasupervisor.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entries in this process: a Caffeine cache bounded by weight (the blocks of the response, its
 * handle and its vector) with a time-to-live after write. The responses themselves live outside the
 * heap in a {@link BlockArena} (serialized by {@link StoredEntry#serialize()}); the heap holds a
 * small handle per entry, so a cache that churns at its bound does not make the collector copy and
 * compact its answers. An entry that leaves the cache (evicted, expired, replaced) gives its blocks
 * back and leaves the semantic index with it.
 */
final class MemoryStore implements CacheStore {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryStore.class);

  /** Heap bytes of one entry besides its vector: key, handle, Caffeine's node (an estimate). */
  static final int HANDLE_BYTES = 256;

  private record Value(BlockArena.Allocation bytes, VectorEntry vector) {
    int weight() {
      return bytes.footprint() + HANDLE_BYTES + (vector == null ? 0 : vector.weight());
    }
  }

  private final Cache<String, Value> cache;
  private final SemanticIndex index;
  private final BlockArena arena;
  private final AtomicLong refused = new AtomicLong();

  MemoryStore(
      long maxBytes, Duration ttl, Ticker ticker, SemanticIndex index, CacheMetrics metrics) {
    this.index = index;
    // room for one more entry of the largest size than the bound: the arena holds the new entry
    // before Caffeine evicts for it
    this.arena =
        BlockArena.ofBytes(
            maxBytes + Math.min(maxBytes, ResponseCache.MAX_ENTRY_BYTES) + BlockArena.PAGE);
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String k, Value v) -> v.weight())
            .expireAfterWrite(ttl)
            .ticker(ticker)
            .executor(Runnable::run)
            .removalListener(
                (String key, Value v, RemovalCause cause) -> {
                  if (v != null) {
                    arena.free(v.bytes());
                  }
                  if (v != null && v.vector() != null && key != null) {
                    index.remove(key);
                  }
                  if (cause == RemovalCause.SIZE) {
                    metrics.evictedForSize();
                  } else if (cause == RemovalCause.EXPIRED) {
                    metrics.expired();
                  }
                })
            .build();
  }

  @Override
  public Optional<StoredEntry> get(String key, BackendBudget budget) {
    Value v = cache.getIfPresent(key);
    byte[] bytes = v == null ? null : arena.read(v.bytes());
    if (bytes == null) {
      return Optional.empty(); // absent, or evicted since the lookup
    }
    try {
      return Optional.of(StoredEntry.deserialize(bytes));
    } catch (IOException e) {
      LOG.warn("dropping an unreadable cache entry: {}", e.getMessage());
      cache.asMap().remove(key, v);
      return Optional.empty();
    }
  }

  @Override
  public void put(String key, byte[] bytes, VectorEntry vector) {
    // evictions free their blocks at once (the removal listener runs on this thread), and the arena
    // has room for one more entry past the bound: only exhausted direct memory refuses one
    BlockArena.Allocation a = arena.store(bytes);
    if (a == null) {
      refused.incrementAndGet();
      LOG.debug("not stored: no room for {} bytes", bytes.length);
      return;
    }
    Value old = cache.asMap().put(key, new Value(a, vector));
    if (old != null && old.vector() != null) {
      index.remove(key);
    }
    if (vector != null && cache.asMap().containsKey(key)) {
      index.add(vector);
    }
  }

  @Override
  public void sync(String scope, BackendBudget budget) {
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

  /** Entries the arena had no room for (its direct memory exhausted), since the start. */
  long refusedStores() {
    return refused.get();
  }

  /** Bytes of the arena's blocks that hold entries (not counting their handles and vectors). */
  long offHeapBytes() {
    return arena.usedBytes();
  }

  @Override
  public void close() {
    cache.invalidateAll();
    arena.close();
  }
}
