package io.llamasupervisor.gateway.conversation;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Stored responses in Redis, shared by every gateway on the same server: {@code llama-conv:v1:<id>}
 * holds the entry as JSON and expires with the TTL (Redis's own expiry; give Redis a {@code
 * maxmemory} of its own, the byte bound applies to the in-memory store only). Every command is
 * bounded by {@code timeout}; a failure throws {@link IllegalStateException} (the request then gets
 * 503, never a silent miss). The gauges read -1: Redis holds the entries.
 */
public final class RedisConversationStore implements ConversationStore {
  static final String PREFIX = "llama-conv:v1:";

  private final RedisClient client;
  private final RedisURI uri;
  private final Duration ttl;
  private final ObjectMapper json = new ObjectMapper();
  private volatile StatefulRedisConnection<String, String> connection;

  public RedisConversationStore(URI url, Duration timeout, Duration ttl) {
    this.ttl = ttl;
    this.uri = RedisURI.create(url);
    uri.setTimeout(timeout);
    this.client = RedisClient.create();
    client.setOptions(
        ClientOptions.builder()
            .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .build());
  }

  private StatefulRedisConnection<String, String> connection() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null && c.isOpen()) {
      return c;
    }
    synchronized (this) {
      if (connection == null || !connection.isOpen()) {
        try {
          connection = client.connect(StringCodec.UTF8, uri);
        } catch (RuntimeException e) {
          throw new IllegalStateException(
              "Redis at " + uri.getHost() + ":" + uri.getPort() + " is unreachable: " + e, e);
        }
      }
      return connection;
    }
  }

  @Override
  public Optional<StoredResponse> get(String id) {
    String text;
    try {
      text = connection().sync().get(PREFIX + id);
    } catch (IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalStateException("Redis GET failed: " + e, e);
    }
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(text, StoredResponse.class));
    } catch (IOException e) {
      throw new IllegalStateException("stored response " + id + " is unreadable: " + e, e);
    }
  }

  @Override
  public void put(StoredResponse r) {
    String text;
    try {
      text = json.writeValueAsString(r);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
    try {
      connection().sync().set(PREFIX + r.id(), text, SetArgs.Builder.px(ttl.toMillis()));
    } catch (IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalStateException("Redis SET failed: " + e, e);
    }
  }

  @Override
  public boolean remove(String id) {
    try {
      return connection().sync().del(PREFIX + id) > 0;
    } catch (IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalStateException("Redis DEL failed: " + e, e);
    }
  }

  @Override
  public long count() {
    return -1;
  }

  @Override
  public long bytes() {
    return -1;
  }

  @Override
  public void close() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
