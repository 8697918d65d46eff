package io.llamasupervisor.cache;

import static io.llamasupervisor.cache.Fixtures.answer;
import static io.llamasupervisor.cache.Fixtures.chat;
import static io.llamasupervisor.cache.Fixtures.chatJson;
import static io.llamasupervisor.cache.Fixtures.request;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Benchmarks of the cache's lookup path (not a test: run it by hand, see docs/benchmarks.md).
 *
 * <ol>
 *   <li>exact hit: {@link ResponseCache#lookup} of a stored request (JSON parse, canonical form,
 *       SHA-256, Caffeine get, replay), memory backend;
 *   <li>flat scan vs HNSW graph: search time by scope size, to place the flat limit;
 *   <li>semantic lookup at 10,000 entries in one scope (and 40,000 in 20 other scopes): the real
 *       MiniLM embedding of a new prompt plus the search, through {@link ResponseCache#lookup}
 *       (semantic only), then its stages one by one on the same request: parsing, the hand-off to a
 *       pool thread, the embedding on the calling thread, the search;
 *   <li>exact miss at the cache's bound: lookup of a new deterministic request, then recording,
 *       checking and storing its answer (which evicts an older one), without sockets.
 * </ol>
 */
public final class CacheBench {
  private CacheBench() {}

  public static void main(String[] args) throws Exception {
    java.util.List<String> only = java.util.List.of(args);
    if (only.isEmpty() || only.contains("exact")) {
      exactHit();
    }
    if (only.isEmpty() || only.contains("index")) {
      flatVersusGraph();
    }
    if (only.isEmpty() || only.contains("embedder")) {
      embedderSessions();
    }
    if (only.isEmpty() || only.contains("semantic")) {
      semanticAt10k();
    }
    if (only.isEmpty() || only.contains("miss")) {
      missAtBound();
    }
  }

  /**
   * Distinct deterministic misses into a 32 MiB memory cache (the bound {@code serve} keeps with
   * the launcher's heap), 200,000 per round: the lookup alone, then lookup plus recording and
   * storing a 700-byte answer. The cache fills during the first round and evicts from then on.
   */
  static void missAtBound() throws Exception {
    CacheConfig config =
        CacheConfig.parse(
            java.util.Map.of(
                "defaults", java.util.Map.of("cache", java.util.Map.of("exact", true))));
    config = config.withBounds(32L << 20, config.ttl());
    byte[] answer = chatJson("word ".repeat(60)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (ResponseCache cache = ResponseCache.create(config, meters)) {
      for (int round = 0; round < 8; round++) {
        int n = 200_000;
        long lookupOnly = 0;
        long all = 0;
        for (int i = 0; i < n; i++) {
          CacheRequest req = request(chat("question " + round + "-" + i).put("seed", 1));
          long t0 = System.nanoTime();
          CacheLookup lookup = cache.lookup(req);
          long t1 = System.nanoTime();
          ResponseRecorder r = lookup.recorder();
          r.start(200, "application/json; charset=utf-8");
          r.chunk(java.nio.ByteBuffer.wrap(answer));
          r.complete();
          all += System.nanoTime() - t0;
          lookupOnly += t1 - t0;
        }
        System.out.printf(
            Locale.ROOT,
            "miss round %d: %.2f µs per miss (lookup %.2f µs), %.0f entries, %.1f MiB%n",
            round,
            all / 1e3 / n,
            lookupOnly / 1e3 / n,
            meters.find("llama.gateway.cache.entries").gauges().stream()
                .mapToDouble(g -> g.value())
                .sum(),
            meters.find("llama.gateway.cache.bytes").gauge().value() / 1048576.0);
      }
    }
  }

  /**
   * The MiniLM embedding alone with LangChain4j's default ONNX session (ONNX Runtime's pool of
   * spinning threads) against the tuned one (the calling thread only), one after the other on the
   * same prompts, and the largest difference between their vectors.
   */
  static void embedderSessions() {
    String[] topics = {"Rome", "Python", "cats", "the moon", "taxes", "Docker", "tea", "jazz"};
    MiniLmEmbedder defaults = new MiniLmEmbedder(0);
    MiniLmEmbedder tuned = new MiniLmEmbedder(1);
    double worst = 1;
    for (int round = 0; round < 2; round++) { // the first round warms both up
      long[] d = new long[300];
      long[] t = new long[300];
      for (int i = 0; i < d.length; i++) {
        String prompt = "Tell me fact number " + i + " about " + topics[i % topics.length] + ".";
        long t0 = System.nanoTime();
        float[] a = defaults.embed(prompt);
        long t1 = System.nanoTime();
        float[] b = tuned.embed(prompt);
        long t2 = System.nanoTime();
        d[i] = t1 - t0;
        t[i] = t2 - t1;
        worst = Math.min(worst, Vectors.dot(a, b));
      }
      if (round == 1) {
        System.out.println("MiniLM embedding, default session: " + stats(d));
        System.out.println("MiniLM embedding, tuned session:   " + stats(t));
        System.out.printf(Locale.ROOT, "  lowest cosine between the two: %.6f%n", worst);
      }
    }
    // CPU of the whole process per embedding (all threads, ONNX Runtime's own included): on a
    // loaded machine wall time mostly measures the wait for a core, CPU time what it costs
    for (MiniLmEmbedder e : new MiniLmEmbedder[] {defaults, tuned}) {
      long cpu0 = processCpuNanos();
      long wall0 = System.nanoTime();
      for (int i = 0; i < 300; i++) {
        e.embed("Tell me fact number " + i + " about " + topics[i % topics.length] + ".");
      }
      System.out.printf(
          Locale.ROOT,
          "  %s session: %.2f ms CPU and %.2f ms wall per embedding (mean of 300)%n",
          e == defaults ? "default" : "tuned",
          (processCpuNanos() - cpu0) / 300 / 1e6,
          (System.nanoTime() - wall0) / 300 / 1e6);
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static String stats(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return String.format(
        Locale.ROOT,
        "p50 %.3f ms, p95 %.3f ms, p99 %.3f ms (n=%d)",
        s[s.length / 2] / 1e6,
        s[(int) (s.length * 0.95)] / 1e6,
        s[(int) (s.length * 0.99)] / 1e6,
        s.length);
  }

  static void exactHit() throws Exception {
    try (ResponseCache cache =
        ResponseCache.builder(
                CacheConfig.defaults().withModel("**", true, false, null),
                new SimpleMeterRegistry())
            .embedder(new FakeEmbedder())
            .build()) {
      var body =
          chat(
              "You are a helpful assistant.",
              java.util.List.of(),
              "What is the capital of France?");
      answer(cache.lookup(request(body)), chatJson("Paris is the capital of France."));
      cache.flush(Duration.ofSeconds(5));
      CacheRequest req = request(body);
      for (int i = 0; i < 10_000; i++) {
        cache.lookup(req); // warm-up
      }
      long[] t = new long[10_000];
      for (int i = 0; i < t.length; i++) {
        long t0 = System.nanoTime();
        CacheLookup l = cache.lookup(req);
        t[i] = System.nanoTime() - t0;
        if (!(l instanceof CacheLookup.Hit)) {
          throw new IllegalStateException("expected a hit");
        }
      }
      System.out.println("exact hit lookup: " + stats(t));
    }
  }

  static float[] random(Random r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Vectors.normalize(v);
  }

  static void flatVersusGraph() throws Exception {
    Random r = new Random(42);
    for (int size : new int[] {500, 1000, 2000, 4000, 10_000}) {
      try (SemanticIndex flat = new SemanticIndex(Integer.MAX_VALUE);
          SemanticIndex graph = new SemanticIndex(0)) {
        for (int i = 0; i < size; i++) {
          VectorEntry e = new VectorEntry("s", "k" + i, random(r, 384), "p", 0);
          flat.add(e);
          graph.add(e);
        }
        graph.refresh();
        long[] tf = new long[200];
        long[] tg = new long[200];
        for (int round = 0; round < 2; round++) { // first round warms up
          for (int q = 0; q < tf.length; q++) {
            float[] query = random(r, 384);
            long t0 = System.nanoTime();
            flat.search("s", query, 4);
            long t1 = System.nanoTime();
            graph.search("s", query, 4);
            long t2 = System.nanoTime();
            tf[q] = t1 - t0;
            tg[q] = t2 - t1;
          }
        }
        System.out.printf(
            Locale.ROOT, "search at %,d vectors: flat %s; HNSW %s%n", size, stats(tf), stats(tg));
      }
    }
  }

  static void semanticAt10k() throws Exception {
    MiniLmEmbedder miniLm = new MiniLmEmbedder();
    try (ResponseCache cache =
        ResponseCache.builder(
                CacheConfig.defaults()
                    .withSemanticTimeout(Duration.ofSeconds(5))
                    .withModel("**", false, true, null),
                new SimpleMeterRegistry())
            .embedder(miniLm)
            .build()) {
      // 10,000 stored prompts in one scope: one real answer gives the scope, random unit vectors
      // fill it (no better than real prompts for a graph: they do not cluster); 20 other scopes of
      // 2,000 each share the process, as on a gateway with several system prompts
      answer(cache.lookup(request(chat("What is the capital of France?"))), chatJson("Paris."));
      cache.flush(Duration.ofSeconds(10));
      SemanticIndex index = cache.index();
      String scope = index.anyScope().orElseThrow();
      Random r = new Random(1);
      long now = System.currentTimeMillis();
      for (int i = 1; i < 50_000; i++) {
        if (i < 10_000) {
          index.add(
              new VectorEntry(scope, "synthetic-" + i, random(r, 384), "synthetic " + i, now));
        }
        String other = "other-" + i % 20;
        index.add(new VectorEntry(other, other + "-" + i, random(r, 384), "other " + i, now));
        if (i % 10_000 == 0) {
          index.refresh(); // graphs refreshed as they grow, as the cache's maintenance does
        }
      }
      index.refresh();
      String[] topics = {"Rome", "Python", "cats", "the moon", "taxes", "Docker", "tea", "jazz"};
      // a gateway runs for hours: let the JIT compile the whole path before measuring
      for (int i = 0; i < 2000; i++) {
        cache.lookup(request(chat("Warm-up question " + i + " about " + topics[i % 8] + "?")));
      }
      int n = 300;
      long[] lookup = new long[n];
      long[] parse = new long[n];
      long[] embed = new long[n];
      long[] handOff = new long[n];
      long[] search = new long[n];
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newSingleThreadExecutor();
      for (int i = 0; i < n; i++) {
        String prompt = "Tell me fact number " + i + " about " + topics[i % topics.length] + ".";
        CacheRequest req = request(chat(prompt));
        long t0 = System.nanoTime();
        cache.lookup(req);
        lookup[i] = System.nanoTime() - t0;
        // the stages one by one, on the same request
        t0 = System.nanoTime();
        CanonicalRequest c = CanonicalRequest.parse(req.endpoint(), req.body()).orElseThrow();
        ResponseCache.sha256(c.canonical());
        ResponseCache.sha256(c.semanticScopeForm().orElseThrow());
        parse[i] = System.nanoTime() - t0;
        t0 = System.nanoTime();
        pool.submit(() -> null).get();
        handOff[i] = System.nanoTime() - t0;
        t0 = System.nanoTime();
        float[] v = miniLm.embed(prompt);
        embed[i] = System.nanoTime() - t0;
        t0 = System.nanoTime();
        index.search(scope, v, 4);
        search[i] = System.nanoTime() - t0;
      }
      pool.shutdown();
      System.out.println("semantic lookup (embed + search) at 10,000 entries: " + stats(lookup));
      System.out.println("  request parse, canonical forms, 2 SHA-256: " + stats(parse));
      System.out.println("  hand-off to a pool thread and back:        " + stats(handOff));
      System.out.println("  MiniLM embedding (tuned session):          " + stats(embed));
      System.out.println("  search (HNSW, 10,000 in scope):            " + stats(search));
    }
  }
}
