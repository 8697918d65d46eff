package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
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
}
