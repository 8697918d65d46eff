package io.llamasupervisor.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entries in Redis, shared by every gateway that uses the same server.
 *
 * <p>Layout (all keys expire with the TTL): {@code llama-cache:v1:e:<key>} holds a response; {@code
 * llama-cache:v1:v:<key>} the vector and prompt of a semantic entry; the sorted set {@code
 * llama-cache:v1:s:<scope>} the keys of a scope's vectors scored by store time. A lookup first
 * fetches the scope's vectors stored since it last looked (one {@code ZRANGEBYSCORE}, plus one
 * {@code MGET} when there are new ones) into the local {@link SemanticIndex}, then searches that
 * in-process.
 *
 * <p>When Redis is down or slow, lookups are misses and stores are dropped; each failure counts in
 * {@code llama_gateway_cache_backend_errors_total}. All the commands of one lookup together wait at
 * most the configured timeout (its {@link BackendBudget}); the first timeout or error ends the
 * lookup's use of Redis, and Redis is then skipped by every lookup and store for {@link
 * #SKIP_AFTER_FAILURE} (each skipped operation counts with {@code operation="skipped"}) before it
 * is tried again. Connecting never blocks a request: it happens in the background, at most once a
 * second while Redis is unreachable; a lost connection is re-established in the background too.
 */
final class RedisStore implements CacheStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);
  static final String PREFIX = "llama-cache:v1:";
  private static final Duration RECONNECT_EVERY = Duration.ofSeconds(1);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** How long Redis is skipped after a command timed out or failed (then it is tried again). */
  static final Duration SKIP_AFTER_FAILURE = Duration.ofSeconds(1);

  /** Vectors stored up to this long before the last one seen are fetched again (clock skew). */
  private static final long SYNC_SLACK_MILLIS = 2000;

  private final RedisClient client;
  private final Duration ttl;
  private final Clock clock;
  private final SemanticIndex index;
  private final CacheMetrics metrics;

  /**
   * Per scope, the store time of the newest vector fetched from Redis, so that a sync asks only for
   * newer ones. Only scopes with a vector fetched within the TTL are worth an entry (for any other
   * the sync asks from the TTL's start anyway), and an entry is dropped a TTL after it was written
   * and beyond {@link #MAX_TRACKED_SCOPES}: losing one costs a sync the members of the whole TTL,
   * never a vector (those already in the index are not fetched again).
   */
  private final Cache<String, Long> lastSeen;

  /** Bound of {@link #lastSeen}: about 250 bytes each, a few MiB at most. */
  static final int MAX_TRACKED_SCOPES = 10_000;

  private final Object connectLock = new Object();
  private volatile StatefulRedisConnection<byte[], byte[]> connection;
  private final RedisURI uri;
  private boolean connecting;
  private volatile long nextConnectAttempt;

  /** Until when (clock millis) Redis is skipped after a failure; see {@link #failed}. */
  private volatile long skipUntil;

  private volatile boolean closed;

  RedisStore(
      URI url,
      Duration timeout,
      Duration ttl,
      Clock clock,
      SemanticIndex index,
      CacheMetrics metrics) {
    this.ttl = ttl;
    this.clock = clock;
    this.index = index;
    this.metrics = metrics;
    this.lastSeen =
        Caffeine.newBuilder()
            .maximumSize(MAX_TRACKED_SCOPES)
            .expireAfterWrite(ttl)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .build();
    this.uri = RedisURI.create(url);
    uri.setTimeout(timeout);
    this.client = RedisClient.create();
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build());
  }

  private static byte[] k(String kind, String id) {
    return (PREFIX + kind + ":" + id).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The connection, or null while there is none; then a connect is started in the background (at
   * most one at a time, at most one a second), so that no request waits for a connect.
   */
  private StatefulRedisConnection<byte[], byte[]> connection() {
    StatefulRedisConnection<byte[], byte[]> c = connection;
    if (c != null || closed) {
      return c;
    }
    synchronized (connectLock) {
      if (connection != null || connecting) {
        return connection;
      }
      long now = clock.millis();
      if (now < nextConnectAttempt) {
        return null;
      }
      nextConnectAttempt = now + RECONNECT_EVERY.toMillis();
      connecting = true;
      client
          .connectAsync(ByteArrayCodec.INSTANCE, uri)
          .whenComplete(
              (conn, e) -> {
                synchronized (connectLock) {
                  connecting = false;
                  if (e != null) {
                    metrics.backendError("redis", "connect");
                    LOG.warn("cache backend redis unreachable: {}", e.getMessage());
                  } else if (closed) {
                    conn.closeAsync();
                  } else {
                    connection = conn;
                    LOG.info("cache backend redis connected");
                  }
                }
              });
      return null;
    }
  }

  /**
   * Whether a connection to Redis is established and Redis is not skipped after a recent failure
   * (it may still fail at the next command).
   */
  @Override
  public boolean available() {
    StatefulRedisConnection<byte[], byte[]> c = connection;
    if (c == null) {
      connection();
      return false;
    }
    return c.isOpen() && !skipping();
  }

  /** Whether Redis is skipped now, after a recent timeout or error. */
  private boolean skipping() {
    return clock.millis() < skipUntil;
  }

  /**
   * Counts a failed {@code operation} and skips Redis for {@link #SKIP_AFTER_FAILURE}: a stalled
   * server then costs one lookup one timeout, not every lookup.
   */
  private void failed(String operation) {
    metrics.backendError("redis", operation);
    boolean wasSkipping = skipping();
    skipUntil = clock.millis() + SKIP_AFTER_FAILURE.toMillis();
    if (!wasSkipping) {
      LOG.debug(
          "cache backend redis: {} failed; skipping redis for {}", operation, SKIP_AFTER_FAILURE);
    }
  }

  /**
   * The commands for one more {@code operation} of the lookup that holds {@code budget}, or null
   * (the budget then failed) when it must not use Redis: it failed already in this lookup (counted
   * then), Redis is skipped after a recent failure, the budget is spent, or there is no connection.
   */
  private RedisAsyncCommands<byte[], byte[]> commands(String operation, BackendBudget budget) {
    if (budget.failed()) {
      return null;
    }
    if (skipping()) {
      metrics.backendError("redis", "skipped");
      budget.fail();
      return null;
    }
    if (budget.remainingNanos() <= 0) {
      failed(operation);
      budget.fail();
      return null;
    }
    StatefulRedisConnection<byte[], byte[]> c = connection();
    if (c == null) {
      metrics.backendError("redis", operation);
      budget.fail();
      return null;
    }
    return c.async();
  }

  /** Thrown by {@link #await} once the failure is counted and the budget marked failed. */
  private static final class BackendFailed extends Exception {
    BackendFailed() {
      super(null, null, false, false);
    }
  }

  /** The command's result, waiting at most what is left of {@code budget} (and spending it). */
  private <T> T await(RedisFuture<T> f, BackendBudget budget, String operation)
      throws BackendFailed {
    long t0 = System.nanoTime();
    try {
      return f.get(Math.max(0, budget.remainingNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      failed(operation);
      budget.fail();
      throw new BackendFailed();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      budget.fail(); // not Redis's failure: nothing counted, nothing skipped
      throw new BackendFailed();
    } finally {
      budget.spend(System.nanoTime() - t0);
    }
  }

  @Override
  public Optional<StoredEntry> get(String key, BackendBudget budget) {
    RedisAsyncCommands<byte[], byte[]> cmd = commands("get", budget);
    if (cmd == null) {
      return Optional.empty();
    }
    try {
      byte[] v = await(cmd.get(k("e", key)), budget, "get");
      return v == null ? Optional.empty() : Optional.of(StoredEntry.deserialize(v));
    } catch (BackendFailed e) {
      return Optional.empty();
    } catch (IOException e) {
      metrics.backendError("redis", "decode");
      return Optional.empty();
    } catch (RuntimeException e) {
      failed("get");
      budget.fail();
      return Optional.empty();
    }
  }

  @Override
  public void put(String key, byte[] entry, VectorEntry vector) {
    if (skipping()) {
      metrics.backendError("redis", "skipped");
      return;
    }
    StatefulRedisConnection<byte[], byte[]> c = connection();
    if (c == null) {
      metrics.backendError("redis", "put");
      return;
    }
    try {
      RedisAsyncCommands<byte[], byte[]> a = c.async();
      SetArgs px = SetArgs.Builder.px(ttl.toMillis());
      watch(a.set(k("e", key), entry, px), "put");
      if (vector != null) {
        byte[] scopeKey = k("s", vector.scope());
        watch(a.set(k("v", key), vector.serialize(), px), "put");
        watch(a.zadd(scopeKey, (double) vector.storedAtMillis(), bytes(key)), "put");
        watch(a.pexpire(scopeKey, ttl.toMillis()), "put");
        watch(
            a.zremrangebyscore(
                scopeKey,
                Range.create(Double.NEGATIVE_INFINITY, (double) (clock.millis() - ttl.toMillis()))),
            "put");
        index.add(vector);
      }
    } catch (RuntimeException e) {
      failed("put");
    }
  }

  private void watch(CompletionStage<?> f, String operation) {
    f.whenComplete(
        (r, e) -> {
          if (e != null) {
            failed(operation);
          }
        });
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void sync(String scope, BackendBudget budget) {
    RedisAsyncCommands<byte[], byte[]> cmd = commands("sync", budget);
    if (cmd == null) {
      return;
    }
    try {
      Long seen = lastSeen.getIfPresent(scope);
      long since = seen == null ? 0L : seen;
      long oldest = clock.millis() - ttl.toMillis();
      long from = Math.max(since - SYNC_SLACK_MILLIS, oldest);
      List<byte[]> members =
          await(
              cmd.zrangebyscore(
                  k("s", scope), Range.create((double) from, Double.POSITIVE_INFINITY)),
              budget,
              "sync");
      List<byte[]> missing = new ArrayList<>();
      for (byte[] m : members) {
        String key = new String(m, StandardCharsets.UTF_8);
        if (!index.contains(key)) {
          missing.add(k("v", key));
        }
      }
      long newest = since;
      if (!missing.isEmpty()) {
        if (commands("sync", budget) == null) {
          return; // the budget is spent (counted) or Redis is skipped now
        }
        List<KeyValue<byte[], byte[]>> values =
            await(cmd.mget(missing.toArray(new byte[0][])), budget, "sync");
        for (KeyValue<byte[], byte[]> kv : values) {
          if (kv.hasValue()) {
            try {
              VectorEntry v = VectorEntry.deserialize(kv.getValue());
              if (v.scope().equals(scope)) {
                index.add(v);
                newest = Math.max(newest, v.storedAtMillis());
              }
            } catch (IOException e) {
              metrics.backendError("redis", "decode");
            }
          }
        }
      }
      if (newest - SYNC_SLACK_MILLIS > oldest) {
        lastSeen.put(scope, newest);
      } else if (seen != null) {
        lastSeen.invalidate(scope); // nothing newer than the TTL's start: nothing to remember
      }
    } catch (BackendFailed e) {
      // counted; the scope is synced again by a later lookup
    } catch (RuntimeException e) {
      failed("sync");
      budget.fail();
      LOG.debug("cache backend redis: sync failed", e);
    }
  }

  @Override
  public void maintain() {
    index.expireBefore(clock.millis() - ttl.toMillis());
    lastSeen.cleanUp();
  }

  /** Scopes whose newest fetched vector this process remembers (tests). */
  long trackedScopes() {
    lastSeen.cleanUp();
    return lastSeen.estimatedSize();
  }

  @Override
  public long exactEntries() {
    return -1;
  }

  @Override
  public long bytes() {
    return index.bytes();
  }

  @Override
  public void close() {
    closed = true;
    StatefulRedisConnection<byte[], byte[]> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
