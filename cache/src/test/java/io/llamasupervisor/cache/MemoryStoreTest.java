package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MemoryStoreTest {
  private static StoredEntry answer(int i) {
    String json = "{\"id\":\"c" + i + "\",\"choices\":[{\"text\":\"" + "x".repeat(1_500) + "\"}]}";
    return new StoredEntry(Endpoint.COMPLETIONS, List.of(json), false, 1_000L + i);
  }

  private static MemoryStore store(long maxBytes, SemanticIndex index) {
    return new MemoryStore(
        maxBytes,
        Duration.ofHours(1),
        Ticker.systemTicker(),
        index,
        new CacheMetrics(new SimpleMeterRegistry()));
  }

  @Test
  void anEntryComesBackAsItWasStored() throws Exception {
    try (SemanticIndex index = new SemanticIndex(16)) {
      MemoryStore store = store(1 << 20, index);
      StoredEntry stream =
          new StoredEntry(
              Endpoint.CHAT_COMPLETIONS, List.of("{\"a\":1}", "{\"b\":\"é\"}"), true, 42);
      store.put("k", stream.serialize(), null);
      assertEquals(Optional.of(stream), store.get("k", BackendBudget.unbounded()));
      assertEquals(Optional.empty(), store.get("other", BackendBudget.unbounded()));
      store.close();
    }
  }

  /** Regression: at its bound the cache churned its answers through the heap (70 ms full GCs). */
  @Test
  void aCacheAtItsBoundGivesTheBlocksOfEvictedAnswersBack() throws Exception {
    long max = 256 << 10;
    try (SemanticIndex index = new SemanticIndex(16)) {
      MemoryStore store = store(max, index);
      for (int i = 0; i < 2_000; i++) {
        store.put("k" + i, answer(i).serialize(), null);
        store.maintain();
        assertTrue(store.offHeapBytes() <= max, "off-heap bytes " + store.offHeapBytes());
      }
      assertEquals(
          Optional.of(answer(1_999)),
          store.get("k1999", BackendBudget.unbounded()),
          "the newest answer is kept");
      assertEquals(Optional.empty(), store.get("k0", BackendBudget.unbounded()), "the oldest went");
      long entries = store.exactEntries();
      assertTrue(entries > 50 && entries < 200, entries + " entries");
      // every block in use belongs to a live entry: 2 KiB of blocks per answer here
      assertEquals(entries * 4 * BlockArena.BLOCK, store.offHeapBytes());
      store.close();
    }
  }

  /** Regression: with one page of slack, an answer over 1 MiB was dropped by a full cache. */
  @Test
  void aFullCacheStillTakesAnAnswerOfSeveralPages() throws Exception {
    long max = 4 << 20;
    try (SemanticIndex index = new SemanticIndex(16)) {
      MemoryStore store = store(max, index);
      for (int i = 0; i < 4_000; i++) {
        store.put("k" + i, answer(i).serialize(), null);
      }
      store.maintain();
      assertTrue(store.bytes() > max - (64 << 10), "full: " + store.bytes());
      String big = "{\"choices\":[{\"text\":\"" + "y".repeat(3 << 20) + "\"}]}";
      StoredEntry large = new StoredEntry(Endpoint.COMPLETIONS, List.of(big), false, 1);
      store.put("large", large.serialize(), null);
      // the arena had room; whether Caffeine then keeps it is its admission policy's choice
      assertEquals(0, store.refusedStores());
      store.maintain();
      assertTrue(store.offHeapBytes() <= max, "off-heap bytes " + store.offHeapBytes());
      store.close();
    }
  }

  @Test
  void aReplacedEntryGivesItsOldBlocksBack() throws Exception {
    try (SemanticIndex index = new SemanticIndex(16)) {
      MemoryStore store = store(1 << 20, index);
      store.put("k", answer(1).serialize(), null);
      long one = store.offHeapBytes();
      store.put("k", answer(2).serialize(), null);
      store.maintain();
      assertEquals(one, store.offHeapBytes());
      assertEquals(Optional.of(answer(2)), store.get("k", BackendBudget.unbounded()));
      store.close();
      assertEquals(Optional.empty(), store.get("k", BackendBudget.unbounded()));
    }
  }
}
