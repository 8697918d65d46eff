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
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheConfig config =
        CacheConfig.defaults()
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
        b.sync("empty-scope-" + i);
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
                  b.sync("s" + i);
                }
                return indexB.size() == 3;
              });
      assertEquals(3, b.trackedScopes(), "scopes with vectors fetched from Redis");

      clock.advance(ttl.plusSeconds(10)); // every vector of those scopes is past its TTL
      b.maintain();
      assertEquals(0, b.trackedScopes(), "scopes whose vectors all expired");
    }
  }
}
