package io.llamasupervisor.app.gateway;

import io.llamasupervisor.gateway.GatewayKey;
import io.llamasupervisor.gateway.GatewayOptions;
import io.llamasupervisor.gateway.conversation.ConversationSettings;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.ConversationsConfig;
import io.llamasupervisor.supervisor.config.GatewayConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import java.util.List;

/**
 * The gateway's options from {@code supervisor.gateway.*} and the keys of {@code
 * supervisor.api.keys}.
 */
public final class GatewaySettings {
  private GatewaySettings() {}

  /**
   * The conversation store's settings from {@code supervisor.gateway.conversations.*} (and the
   * response caches' Redis when {@code supervisor.cache.backend} is {@code redis}).
   *
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public static ConversationSettings conversations(SupervisorConfig config) {
    return conversations(ConversationsConfig.of(config), HeapBound.maxHeap());
  }

  /** The store's settings; in memory, {@code max-bytes} is kept within a quarter of the heap. */
  static ConversationSettings conversations(ConversationsConfig c, long maxHeap) {
    if (c.redisUrl() != null) {
      return new ConversationSettings(c.maxBytes(), c.ttl(), null, null)
          .withRedis(c.redisUrl(), c.redisTimeout());
    }
    long bound =
        HeapBound.cap(
            "supervisor.gateway.conversations.max-bytes",
            c.maxBytes(),
            ConversationSettings.DEFAULT_MAX_BYTES,
            maxHeap);
    return new ConversationSettings(bound, c.ttl(), null, null);
  }

  /**
   * @param insecure {@code --insecure}: a non-loopback host without keys is allowed (and warned
   *     about)
   * @throws ConfigException for an invalid key or a listener open to the network without keys and
   *     without {@code insecure}
   */
  public static GatewayOptions options(
      SupervisorConfig config, GatewayConfig gateway, boolean insecure) {
    List<GatewayKey> keys;
    try {
      keys =
          GatewayKey.fromConfig(
              "supervisor.api.keys", config.tree().get("supervisor", "api", "keys").orElse(null));
    } catch (IllegalArgumentException e) {
      int colon = e.getMessage().indexOf(": ");
      throw colon > 0
          ? new ConfigException(
              e.getMessage().substring(0, colon), e.getMessage().substring(colon + 2))
          : new ConfigException("supervisor.api.keys", e.getMessage());
    }
    GatewayOptions options =
        GatewayOptions.builder()
            .host(gateway.host())
            .port(gateway.port())
            .maxBody(gateway.maxBody())
            .queue(gateway.queueMax(), gateway.queueTimeout())
            .startTimeout(gateway.startTimeout())
            .affinity(gateway.affinity())
            .ioThreads(gateway.ioThreads())
            .clientTimeout(gateway.clientTimeout())
            .keys(keys)
            .insecure(insecure)
            .build();
    try {
      io.llamasupervisor.gateway.GatewayServer.checkBinding(options);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("supervisor.gateway.host", e.getMessage());
    }
    return options;
  }
}
