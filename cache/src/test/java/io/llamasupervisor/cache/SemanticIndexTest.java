package io.llamasupervisor.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SemanticIndexTest {
  private static float[] random(Random r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Vectors.normalize(v);
  }

  private static VectorEntry entry(String scope, String key, float[] v) {
    return new VectorEntry(scope, key, v, "prompt " + key, 0);
  }

  @Test
  void searchStaysInsideTheScope() throws Exception {
    try (SemanticIndex index = new SemanticIndex(16)) {
      float[] v = random(new Random(1), 32);
      index.add(entry("s1", "a", v));
      index.add(entry("s2", "b", v));
      List<SemanticIndex.Candidate> found = index.search("s1", v, 4);
      assertEquals(1, found.size());
      assertEquals("a", found.get(0).entry().key());
      assertEquals(List.of(), index.search("s3", v, 4));
    }
  }

  @Test
  void aGraphSearchStaysInsideTheScopeWhenOtherScopesHoldTheSameVectors() throws Exception {
    Random r = new Random(11);
    try (SemanticIndex index = new SemanticIndex(2)) {
      for (int i = 0; i < 6; i++) {
        float[] v = random(r, 32);
        index.add(entry("s1", "a" + i, v));
        index.add(entry("s2", "b" + i, v)); // the very same vector in the other scope
      }
      for (boolean refreshed : new boolean[] {false, true}) {
        if (refreshed) {
          index.refresh();
        }
        for (int i = 0; i < 6; i++) {
          float[] q = index.get("s1", "a" + i).orElseThrow().vector();
          List<SemanticIndex.Candidate> found = index.search("s1", q, 4);
          assertEquals(4, found.size());
          assertEquals("a" + i, found.get(0).entry().key());
          assertTrue(
              found.stream().allMatch(c -> c.entry().scope().equals("s1")),
              "refreshed=" + refreshed + ": " + found);
        }
      }
    }
  }

  @Test
  void theGraphFindsWhatTheFlatScanFindsBeforeAndAfterARefresh() throws Exception {
    Random r = new Random(7);
    float[][] vs = new float[500][];
    try (SemanticIndex flat = new SemanticIndex(10_000);
        SemanticIndex graph = new SemanticIndex(50)) {
      for (int i = 0; i < vs.length; i++) {
        vs[i] = random(r, 64);
        flat.add(entry("s", "k" + i, vs[i]));
        graph.add(entry("s", "k" + i, vs[i]));
        graph.add(entry("other", "o" + i, random(r, 64)));
      }
      // before a refresh the new vectors are scanned flat; after it they come from the graph
      for (boolean refreshed : new boolean[] {false, true}) {
        if (refreshed) {
          graph.refresh();
        }
        int agree = 0;
        for (int q = 0; q < 50; q++) {
          float[] query = vs[q * 7];
          String want = flat.search("s", query, 1).get(0).entry().key();
          String got = graph.search("s", query, 1).get(0).entry().key();
          agree += want.equals(got) ? 1 : 0;
          assertEquals("k" + q * 7, want);
        }
        assertTrue(agree >= 49, "graph agreed on " + agree + " of 50, refreshed=" + refreshed);
      }
    }
  }

  @Test
  void removedAndTrimmedEntriesAreNotFound() throws Exception {
    try (SemanticIndex index = new SemanticIndex(2)) {
      Random r = new Random(3);
      float[] a = random(r, 16);
      index.add(entry("s", "a", a));
      index.add(entry("s", "b", random(r, 16)));
      index.add(entry("s", "c", random(r, 16)));
      index.refresh();
      index.remove("a");
      index.refresh();
      assertTrue(index.search("s", a, 3).stream().noneMatch(c -> c.entry().key().equals("a")));
      long before = index.bytes();
      List<String> trimmed = index.trimTo(before - 1);
      assertEquals(List.of("b"), trimmed);
      assertEquals(1, index.size());
    }
  }

  /**
   * Regression: {@code add} took the key and then, separately, put the slot into its bucket; a
   * {@code remove} of that key in between (a Caffeine eviction on another thread) found no slot and
   * returned, and the slot then landed in the bucket without a key: searchable, counted in the
   * bytes, and never expired or trimmed.
   */
  @Test
  void aRemoveThatRacesAnAddLeavesNoSlotThatExpiryAndTrimmingCannotReach() throws Exception {
    try (SemanticIndex index = new SemanticIndex(16)) {
      float[] v = random(new Random(5), 16);
      AtomicReference<Thread> remover = new AtomicReference<>();
      index.afterKeyed =
          key -> {
            // the eviction of this key, on another thread, exactly here in the add
            Thread t = new Thread(() -> index.remove(key), "evictor");
            remover.set(t);
            t.start();
            await()
                .atMost(Duration.ofSeconds(10))
                .until(
                    () ->
                        t.getState() == Thread.State.TERMINATED
                            || t.getState() == Thread.State.BLOCKED
                            || t.getState() == Thread.State.WAITING);
          };
      index.add(entry("s", "a", v));
      remover.get().join(10_000);
      index.afterKeyed = key -> {};

      index.expireBefore(Long.MAX_VALUE);
      index.trimTo(0);
      assertEquals(0, index.size(), "entries");
      assertEquals(0, index.bytes(), "bytes");
      assertEquals(List.of(), index.search("s", v, 4));
    }
  }

  /**
   * Regression: a scope that had a graph kept its bucket, IndexWriter and segments once emptied.
   */
  @Test
  void aScopeEmptiedAfterItGotAGraphLeavesNothingBehindAndCanBeFilledAgain() throws Exception {
    Random r = new Random(9);
    try (SemanticIndex index = new SemanticIndex(2)) {
      for (int i = 0; i < 5; i++) {
        index.add(entry("big", "k" + i, random(r, 16)));
      }
      index.refresh();
      assertEquals(1, index.scopes());
      index.expireBefore(1); // every entry was stored at 0
      assertEquals(0, index.size());
      assertEquals(0, index.scopes(), "the emptied scope's bucket and graph are gone");
      index.refresh(); // nothing left to refresh, and nothing fails

      float[] v = random(r, 16);
      for (int i = 0; i < 4; i++) {
        index.add(entry("big", "again" + i, i == 0 ? v : random(r, 16)));
      }
      assertEquals("again0", index.search("big", v, 1).get(0).entry().key());
      index.refresh();
      assertEquals("again0", index.search("big", v, 1).get(0).entry().key());
    }
  }
}
