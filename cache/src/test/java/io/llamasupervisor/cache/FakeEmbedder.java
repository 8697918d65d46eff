package io.llamasupervisor.cache;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A hand-written embedder for tests that need no real model: a hash of the words as a vector (equal
 * texts give equal vectors), optionally blocked until a latch opens, or always failing.
 */
final class FakeEmbedder implements Embedder {
  private final CountDownLatch gate;
  private final boolean fail;

  FakeEmbedder() {
    this(null, false);
  }

  FakeEmbedder(CountDownLatch gate) {
    this(gate, false);
  }

  FakeEmbedder(boolean fail) {
    this(null, fail);
  }

  private FakeEmbedder(CountDownLatch gate, boolean fail) {
    this.gate = gate;
    this.fail = fail;
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public int dimension() {
    return 16;
  }

  @Override
  public float[] embed(String text) throws Exception {
    if (gate != null) {
      gate.await();
    }
    if (fail) {
      throw new IllegalStateException("embedder down");
    }
    float[] v = new float[16];
    for (String w : text.toLowerCase(java.util.Locale.ROOT).split("\\W+")) {
      byte[] b = w.getBytes(StandardCharsets.UTF_8);
      v[Math.floorMod(java.util.Arrays.hashCode(b), 16)] += 1;
    }
    return Vectors.normalize(v);
  }
}
