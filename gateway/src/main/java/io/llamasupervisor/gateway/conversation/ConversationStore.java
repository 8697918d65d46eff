package io.llamasupervisor.gateway.conversation;

import java.util.Optional;

/**
 * Where stored responses live: in this process ({@link MemoryConversationStore}) or in Redis
 * ({@link RedisConversationStore}, shared by several gateways). Entries expire after the store's
 * TTL counted from when they were stored. Methods may block (Redis): call them off the event loops.
 * Thread-safe.
 */
public interface ConversationStore extends AutoCloseable {
  /** The entry stored under {@code id}, empty when unknown or expired. */
  Optional<StoredResponse> get(String id);

  /** Stores {@code r} under its id (replacing an older entry of that id). */
  void put(StoredResponse r);

  /** Forgets {@code id}; whether there was an entry. */
  boolean remove(String id);

  /** Entries stored now (an estimate for Redis: -1 when not known). */
  long count();

  /** Their weight in bytes ({@link StoredResponse#bytes()}); -1 when not known. */
  long bytes();

  @Override
  default void close() {}
}
