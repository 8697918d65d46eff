package io.llamasupervisor.supervisor.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code supervisor.gateway.*} section: whether {@code serve} runs the OpenAI-compatible
 * gateway in-process, where it listens and how it queues. Bound from the same merged tree as {@link
 * SupervisorConfig}; the standalone {@code gateway} command reads it too.
 *
 * @param enabled {@code supervisor.gateway.enabled} (default true)
 * @param host {@code supervisor.gateway.host} (default 127.0.0.1)
 * @param port {@code supervisor.gateway.port} (default 8080)
 * @param maxBody {@code supervisor.gateway.max-body} in bytes (default 32 MiB)
 * @param queueMax {@code supervisor.gateway.queue.max} (default 256)
 * @param queueTimeout {@code supervisor.gateway.queue.timeout} (default 60 s)
 * @param startTimeout {@code supervisor.gateway.start-timeout}: longest wait for a model to start
 *     when its startup deadline is unknown (default 5 min)
 * @param affinity {@code supervisor.gateway.affinity}: prefer the backend that served a
 *     conversation prefix (default false)
 * @param ioThreads {@code supervisor.gateway.io-threads}: event loops, 0 for one per four cores (at
 *     least 1, at most 4; the default)
 * @param clientTimeout {@code supervisor.gateway.client-timeout}: longest silence of a client
 *     sending a request, and longest idle time of a kept-alive connection (default 60 s)
 */
public record GatewayConfig(
    boolean enabled,
    String host,
    int port,
    long maxBody,
    int queueMax,
    Duration queueTimeout,
    Duration startTimeout,
    boolean affinity,
    int ioThreads,
    Duration clientTimeout) {

  /** The section's name under {@code supervisor}. */
  static final String SECTION = "gateway";

  static final List<String> KEYS =
      List.of(
          "enabled",
          "host",
          "port",
          "max-body",
          "queue",
          "start-timeout",
          "affinity",
          "io-threads",
          "client-timeout",
          ConversationsConfig.SECTION);
  static final List<String> QUEUE = List.of("max", "timeout");

  /**
   * 127.0.0.1:8080, 32 MiB, 256 queued for at most 60 s, 5 min to start, no affinity, event loops
   * by core count.
   */
  public static GatewayConfig defaults() {
    return new GatewayConfig(
        true,
        "127.0.0.1",
        8080,
        32L * 1024 * 1024,
        256,
        Duration.ofSeconds(60),
        Duration.ofMinutes(5),
        false,
        0,
        Duration.ofSeconds(60));
  }

  /**
   * Binds {@code supervisor.gateway.*}.
   *
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public static GatewayConfig of(SupervisorConfig config) {
    ConfigNode sup = new ConfigNode("supervisor", config.tree().get("supervisor").orElse(null));
    Map<String, ConfigNode> top = sup.entries(null);
    ConfigNode gw = top.getOrDefault(SECTION, new ConfigNode(sup.childKey(SECTION), null));
    Map<String, ConfigNode> g = gw.entries(KEYS);
    ConfigNode queueNode = g.getOrDefault("queue", new ConfigNode(gw.childKey("queue"), null));
    Map<String, ConfigNode> q = queueNode.entries(QUEUE);
    GatewayConfig d = defaults();
    long maxBody = has(g, "max-body") ? ServeConfig.bytes(g.get("max-body")) : d.maxBody();
    if (maxBody < 1) {
      throw g.get("max-body").error("must be at least 1 byte");
    }
    return new GatewayConfig(
        has(g, "enabled") ? g.get("enabled").bool() : d.enabled(),
        has(g, "host") ? g.get("host").string() : d.host(),
        has(g, "port") ? g.get("port").integer(0, 65535) : d.port(),
        maxBody,
        has(q, "max") ? q.get("max").integer(0, 1_000_000) : d.queueMax(),
        positive(q, "timeout", d.queueTimeout()),
        positive(g, "start-timeout", d.startTimeout()),
        has(g, "affinity") ? g.get("affinity").bool() : d.affinity(),
        has(g, "io-threads") ? g.get("io-threads").integer(0, 256) : d.ioThreads(),
        positive(g, "client-timeout", d.clientTimeout()));
  }

  private static boolean has(Map<String, ConfigNode> m, String k) {
    return m.containsKey(k) && !m.get(k).isNull();
  }

  private static Duration positive(Map<String, ConfigNode> m, String k, Duration dflt) {
    if (!has(m, k)) {
      return dflt;
    }
    Duration v = m.get(k).duration();
    if (v.isZero() || v.isNegative()) {
      throw m.get(k).error("must be more than 0");
    }
    return v;
  }
}
