package io.llamasupervisor.cache;

import java.util.Optional;

/**
 * Where responses (and, for the semantic cache, the vectors of their prompts) are kept. Methods
 * never throw: a backend that fails answers "not found", counts the error and marks the lookup's
 * {@link BackendBudget} failed.
 */
interface CacheStore extends AutoCloseable {
  /**
   * The response stored under {@code key}, if it is there and not expired. Waits on the backend at
   * most what is left of {@code budget}; sends nothing once it failed. Empty with {@code
   * budget.failed()} means the backend did not answer, not that the entry is gone.
   */
  Optional<StoredEntry> get(String key, BackendBudget budget);

  /**
   * Stores {@code entry}, a {@link StoredEntry} in its stored form ({@link StoredEntry#serialize}),
   * under {@code key}; with {@code vector} non-null also makes it findable by the semantic search
   * of {@code vector.scope()} (the store adds it to the index). The store owns {@code entry} after
   * the call.
   */
  void put(String key, byte[] entry, VectorEntry vector);

  /**
   * Brings the vectors of {@code scope} that other processes stored into the local index, waiting
   * on the backend at most what is left of {@code budget}; sends nothing once it failed.
   */
  void sync(String scope, BackendBudget budget);

  /** Drops what expired or exceeds the byte bound; called periodically. */
  void maintain();

  long exactEntries();

  /** Whether the backend can be used right now (memory: always). */
  default boolean available() {
    return true;
  }

  long bytes();

  @Override
  void close();
}
