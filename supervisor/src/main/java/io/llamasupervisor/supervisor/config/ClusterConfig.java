package io.llamasupervisor.supervisor.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code supervisor.cluster.*}: whether and how {@code serve} joins a cluster (the routing table
 * shared through etcd). Off unless {@code endpoints} is set.
 *
 * @param endpoints etcd client endpoints, e.g. {@code etcd://h1:2379,h2:2379}; null when off
 * @param name the cluster's name (default {@code default}): nodes with the same etcd and name share
 *     one table
 * @param nodeName this node's name, unique among live nodes; null: the machine's host name
 * @param advertiseHost where other nodes reach this node's backends; null: the node name
 * @param leaseTtl how long a node that stopped renewing its lease stays in the table (default 10 s)
 * @param keepAlive how often the lease is renewed (default 3 s)
 */
public record ClusterConfig(
    String endpoints,
    String name,
    String nodeName,
    String advertiseHost,
    Duration leaseTtl,
    Duration keepAlive) {

  /** The key under {@code supervisor} this binder reads. */
  static final List<String> TOP = List.of("cluster");

  static final List<String> KEYS =
      List.of("endpoints", "name", "node-name", "advertise-host", "lease-ttl", "keep-alive");

  /** Not in a cluster. */
  public static final ClusterConfig OFF =
      new ClusterConfig(null, "default", null, null, Duration.ofSeconds(10), Duration.ofSeconds(3));

  /** Whether a cluster is configured. */
  public boolean enabled() {
    return endpoints != null;
  }

  /** The endpoints, when a cluster is configured. */
  public Optional<String> endpointsIfEnabled() {
    return Optional.ofNullable(endpoints);
  }

  /**
   * Binds {@code supervisor.cluster.*}.
   *
   * @throws ConfigException naming the key, the value and what is allowed
   */
  public static ClusterConfig of(SupervisorConfig config) {
    ConfigNode sup = new ConfigNode("supervisor", config.tree().get("supervisor").orElse(null));
    Map<String, ConfigNode> top = sup.entries(ConfigBinder.topKeys());
    ConfigNode node = top.get("cluster");
    if (node == null || node.isNull()) {
      return OFF;
    }
    Map<String, ConfigNode> c = node.entries(KEYS);
    Duration ttl = has(c, "lease-ttl") ? c.get("lease-ttl").duration() : OFF.leaseTtl();
    if (ttl.compareTo(Duration.ofSeconds(2)) < 0 || ttl.toMillis() % 1000 != 0) {
      throw c.get("lease-ttl").error("expected whole seconds, at least 2s (etcd's minimum)");
    }
    Duration keepAlive = has(c, "keep-alive") ? c.get("keep-alive").duration() : OFF.keepAlive();
    if (keepAlive.isZero() || keepAlive.compareTo(ttl) >= 0) {
      throw (has(c, "keep-alive") ? c.get("keep-alive") : c.get("lease-ttl"))
          .error("keep-alive must be more than 0 and below lease-ttl " + ttl.toSeconds() + "s");
    }
    return new ClusterConfig(
        text(c, "endpoints"),
        has(c, "name") ? c.get("name").string() : OFF.name(),
        text(c, "node-name"),
        text(c, "advertise-host"),
        ttl,
        keepAlive);
  }

  private static boolean has(Map<String, ConfigNode> m, String k) {
    return m.containsKey(k) && !m.get(k).isNull();
  }

  private static String text(Map<String, ConfigNode> m, String k) {
    if (!has(m, k)) {
      return null;
    }
    String s = m.get(k).string().strip();
    return s.isEmpty() ? null : s;
  }
}
