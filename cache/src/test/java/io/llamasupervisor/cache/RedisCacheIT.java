package io.llamasupervisor.cache;

import static io.llamasupervisor.cache.Fixtures.answer;
import static io.llamasupervisor.cache.Fixtures.chat;
import static io.llamasupervisor.cache.Fixtures.chatJson;
import static io.llamasupervisor.cache.Fixtures.flush;
import static io.llamasupervisor.cache.Fixtures.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasupervisor.cache.CacheLookup.Hit;
import io.llamasupervisor.cache.CacheLookup.Miss;
import io.llamasupervisor.cache.CacheLookup.SemanticHit;
import io.llamasupervisor.testing.MutableClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two caches (as in two gateway processes) sharing one real Redis, and Redis failing under them. CI
 * installs {@code redis-server} (see {@code .ci/run}); elsewhere these tests are skipped when it is
 * missing.
 */
class RedisCacheIT {
  private RedisServer redis;
  private final List<ResponseCache> caches = new ArrayList<>();
  private final List<SimpleMeterRegistry> registries = new ArrayList<>();

  @BeforeEach
  void startRedis() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    if (!ci) {
      assumeTrue(RedisServer.available(), "redis-server is not installed");
    }
    redis = RedisServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    caches.forEach(ResponseCache::close);
    if (redis != null) {
      redis.close();
    }
  }

  private ResponseCache gateway(boolean exact, boolean semantic) {
    return gateway(exact, semantic, CacheConfig.DEFAULT_REDIS_TIMEOUT);
  }

  private ResponseCache gateway(boolean exact, boolean semantic, Duration redisTimeout) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheConfig config =
        CacheConfig.builder()
            .redisTimeout(redisTimeout)
            .build()
            .withBackend(CacheConfig.Backend.REDIS, redis.url())
            .withSemanticTimeout(Duration.ofSeconds(5))
            .withModel("**", exact, semantic, null);
    ResponseCache c = ResponseCache.builder(config, registry).embedder(new FakeEmbedder()).build();
    caches.add(c);
    registries.add(registry);
    return c;
  }

  private ResponseCache connected(boolean exact, boolean semantic) {
    ResponseCache c = gateway(exact, semantic);
    await().atMost(Duration.ofSeconds(10)).until(c::backendAvailable);
    return c;
  }

  private double backendErrors(int gateway) {
    return registries.get(gateway).find("llama.gateway.cache.backend.errors").counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  @Test
  void anAnswerStoredByOneGatewayIsAHitOnTheOther() throws Exception {
    ResponseCache a = connected(true, false);
    ResponseCache b = connected(true, false);
    assertEquals("redis", a.backend());
    assertTrue(a.lookupMayWait("m"), "a Redis lookup waits on the network: never on an event loop");
    ObjectNode body = chat("What is 2+2?");
    assertInstanceOf(Miss.class, b.lookup(request(body)));
    answer(a.lookup(request(body)), chatJson("4"));
    flush(a);
    Hit hit =
        await()
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> b.lookup(request(body)), l -> l instanceof Hit)
                instanceof Hit h
            ? h
            : null;
    assertEquals(chatJson("4"), hit.replay().bodyText());
  }

  @Test
  void aVectorStoredByOneGatewayIsFoundByTheOthersSemanticSearchInTheSameScopeOnly()
      throws Exception {
    ResponseCache a = connected(false, true);
    ResponseCache b = connected(false, true);
    ObjectNode body = chat("You read contract A.", List.of(), "summarize this");
    answer(a.lookup(request(body, "plan-1", null, "tenant-1", null)), chatJson("30 days."));
    flush(a);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> b.lookup(request(body, "plan-1", null, "tenant-1", null)),
            l -> l instanceof SemanticHit);
    assertInstanceOf(Miss.class, b.lookup(request(body, "plan-1", null, "tenant-2", null)));
    ObjectNode otherDoc = chat("You read contract B.", List.of(), "summarize this");
    assertInstanceOf(Miss.class, b.lookup(request(otherDoc, "plan-1", null, "tenant-1", null)));
  }

  /**
   * Redis killed while two gateways keep looking up and storing: no call fails, lookups become
   * misses, errors are counted; once Redis is back (empty: no persistence), answers are shared
   * again.
   */
  @Test
  void redisKilledMidTestFailsNoRequestAndSharingResumesWhenItIsBack() throws Exception {
    ResponseCache a = connected(true, true);
    ResponseCache b = connected(true, true);
    ObjectNode body = chat("What is 2+2?");
    answer(a.lookup(request(body)), chatJson("4"));
    flush(a);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.lookup(request(body)) instanceof Hit);

    redis.kill();
    for (int i = 0; i < 20; i++) {
      for (ResponseCache c : List.of(a, b)) {
        CacheLookup l = c.lookup(request(chat("question " + i)));
        assertInstanceOf(Miss.class, l);
        answer(l, chatJson("answer " + i)); // stores are dropped, never thrown
        assertInstanceOf(Miss.class, c.lookup(request(body)));
      }
    }
    flush(a);
    flush(b);
    assertTrue(backendErrors(0) > 0, "errors counted on a");
    assertTrue(backendErrors(1) > 0, "errors counted on b");

    redis.startAgain();
    ObjectNode later = chat("What is 3+3?");
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              answer(a.lookup(request(later)), chatJson("6"));
              flush(a);
              return b.lookup(request(later)) instanceof Hit;
            });
  }

  @Test
  void aGatewayStartedWhileRedisIsDownMissesAndConnectsOnceRedisIsUp() throws Exception {
    redis.kill();
    ResponseCache a = gateway(true, false);
    ObjectNode body = chat("What is 2+2?");
    CacheLookup l = a.lookup(request(body));
    assertInstanceOf(Miss.class, l);
    answer(l, chatJson("4"));
    flush(a);
    assertTrue(backendErrors(0) > 0);

    redis.startAgain();
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              answer(a.lookup(request(body)), chatJson("4"));
              flush(a);
              return a.lookup(request(body)) instanceof Hit;
            });
  }

  private RedisStore store(java.time.Clock clock, Duration ttl, SemanticIndex index) {
    RedisStore s =
        new RedisStore(
            redis.url(),
            CacheConfig.DEFAULT_REDIS_TIMEOUT,
            ttl,
            clock,
            index,
            new CacheMetrics(new SimpleMeterRegistry()));
    await().atMost(Duration.ofSeconds(10)).until(s::available);
    return s;
  }

  /**
   * Regression: every scope a lookup synced got an entry in RedisStore's map of the newest vector
   * seen per scope, also scopes without any vector, and nothing ever removed one: memory grew with
   * every conversation and system prompt ever seen.
   */
  @Test
  void scopesWithoutVectorsOrWithOnlyExpiredOnesAreNotRemembered() throws Exception {
    MutableClock clock = MutableClock.atEpochOfTests();
    Duration ttl = Duration.ofMinutes(10);
    try (SemanticIndex indexA = new SemanticIndex(16);
        SemanticIndex indexB = new SemanticIndex(16);
        RedisStore a = store(clock, ttl, indexA);
        RedisStore b = store(clock, ttl, indexB)) {
      for (int i = 0; i < 3000; i++) {
        b.sync("empty-scope-" + i, BackendBudget.of(Duration.ofSeconds(5)));
      }
      b.maintain();
      assertEquals(0, b.trackedScopes(), "empty scopes");

      float[] v = new FakeEmbedder().embed("hello");
      for (int i = 0; i < 3; i++) {
        a.put(
            "k" + i, new byte[] {1}, new VectorEntry("s" + i, "k" + i, v, "hello", clock.millis()));
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> {
                for (int i = 0; i < 3; i++) {
                  b.sync("s" + i, BackendBudget.of(Duration.ofSeconds(5)));
                }
                return indexB.size() == 3;
              });
      assertEquals(3, b.trackedScopes(), "scopes with vectors fetched from Redis");

      clock.advance(ttl.plusSeconds(10)); // every vector of those scopes is past its TTL
      b.maintain();
      assertEquals(0, b.trackedScopes(), "scopes whose vectors all expired");
    }
  }

  private double count(int gateway, String name, String tag, String value) {
    Counter c = registries.get(gateway).find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  /**
   * Regression: with Redis stalled (SIGSTOP), a semantic lookup waited the command timeout once for
   * the exact GET, again for the sync and once more per candidate (about 3 to 7 timeouts instead of
   * the one its javadoc promises), counted each timed-out candidate as expired and dropped its
   * vector from the index.
   */
  @Test
  void aStalledRedisMakesALookupAMissWithinOneTimeoutThenSkipsRedisAndDropsNoVector()
      throws Exception {
    Duration timeout = Duration.ofMillis(200);
    ResponseCache a = gateway(true, true, timeout);
    await().atMost(Duration.ofSeconds(10)).until(a::backendAvailable);
    ObjectNode body = chat("What is 2+2?");
    answer(a.lookup(request(body)), chatJson("4"));
    flush(a);
    assertInstanceOf(Hit.class, a.lookup(request(body)));
    long vectors = a.index().size();
    assertEquals(1, vectors);

    redis.pause();
    try {
      long t0 = System.nanoTime();
      CacheLookup first = a.lookup(request(body));
      long firstMillis = (System.nanoTime() - t0) / 1_000_000;
      assertInstanceOf(Miss.class, first);
      // the whole lookup's Redis time is bounded by one timeout (the embedder here takes ~0 ms)
      assertTrue(
          firstMillis < 2 * timeout.toMillis(),
          "lookup took " + firstMillis + " ms with a " + timeout.toMillis() + " ms timeout");
      answer(first, chatJson("4")); // the store is dropped, never thrown

      // Redis failed: the next lookups do not wait for it again at once
      long t1 = System.nanoTime();
      CacheLookup second = a.lookup(request(chat("What is 3+3?")));
      long secondMillis = (System.nanoTime() - t1) / 1_000_000;
      assertInstanceOf(Miss.class, second);
      assertTrue(secondMillis < timeout.toMillis(), "second lookup took " + secondMillis + " ms");
      flush(a);

      assertTrue(backendErrors(0) > 0, "the failure is counted");
      assertEquals(
          0,
          count(0, "llama.gateway.cache.semantic.rejected", "reason", "expired"),
          "a backend failure is not an expired entry");
      assertEquals(vectors, a.index().size(), "no vector dropped for a backend failure");
    } finally {
      redis.resume();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> a.lookup(request(body)) instanceof Hit);
    ObjectNode rephrased = chat("what is 2+2");
    assertInstanceOf(SemanticHit.class, a.lookup(request(rephrased)));
  }
}
