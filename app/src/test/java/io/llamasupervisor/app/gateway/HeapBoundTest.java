package io.llamasupervisor.app.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.gateway.conversation.ConversationSettings;
import io.llamasupervisor.supervisor.config.ConversationsConfig;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Regression: with the launcher's {@code -Xmx128m}, the default 256 MiB of the response cache and
 * of the conversation store filled the heap long before either evicted anything, so a stream of
 * distinct deterministic requests ended in {@link OutOfMemoryError}.
 */
class HeapBoundTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void aCacheBoundLargerThanAQuarterOfTheHeapIsLoweredSoDistinctMissesCannotExhaustIt() {
    CacheConfig defaults = CacheConfig.defaults();
    assertEquals(32 * MIB, CacheSettings.withinHeap(defaults, 128 * MIB).maxBytes());
    assertEquals(Duration.ofHours(1), CacheSettings.withinHeap(defaults, 128 * MIB).ttl());
    assertEquals(256 * MIB, CacheSettings.withinHeap(defaults, 4096 * MIB).maxBytes());
    CacheConfig small = defaults.withBounds(8 * MIB, Duration.ofMinutes(5));
    assertEquals(small, CacheSettings.withinHeap(small, 128 * MIB));
  }

  @Test
  void theConversationStoreInMemoryIsKeptInsideTheHeapToo() {
    ConversationsConfig set =
        new ConversationsConfig(512 * MIB, Duration.ofHours(24), null, Duration.ofMillis(500));
    assertEquals(32 * MIB, GatewaySettings.conversations(set, 128 * MIB).maxBytes());
    assertEquals(512 * MIB, GatewaySettings.conversations(set, 8192 * MIB).maxBytes());
    ConversationsConfig redis =
        new ConversationsConfig(
            512 * MIB,
            Duration.ofHours(24),
            URI.create("redis://127.0.0.1:6379"),
            Duration.ofMillis(500));
    ConversationSettings inRedis = GatewaySettings.conversations(redis, 128 * MIB);
    assertEquals(512 * MIB, inRedis.maxBytes(), "Redis holds them, not the heap");
  }
}
