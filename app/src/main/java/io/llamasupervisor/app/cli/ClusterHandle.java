package io.llamasupervisor.app.cli;

import io.llamasupervisor.api.ClusterScope;
import io.llamasupervisor.cluster.ClusterNode;
import io.llamasupervisor.cluster.ClusterSettings;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.config.ClusterConfig;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** Joins {@code serve} to a cluster from {@code supervisor.cluster.*}. */
final class ClusterHandle {
  private ClusterHandle() {}

  /**
   * The cluster settings, or empty when {@code supervisor.cluster.endpoints} is not set. The node
   * name defaults to the machine's host name, the advertise host to the node name.
   *
   * @throws ConfigException naming the key and what is allowed
   */
  static Optional<ClusterSettings> settings(SupervisorConfig config) {
    ClusterConfig c = ClusterConfig.of(config);
    if (!c.enabled()) {
      return Optional.empty();
    }
    String node = c.nodeName() != null ? c.nodeName() : hostNodeName();
    return Optional.of(of(c, node, c.advertiseHost() != null ? c.advertiseHost() : node));
  }

  /**
   * The settings of a gateway that follows the cluster and publishes nothing, or empty when {@code
   * supervisor.cluster.endpoints} is not set. Its node name, when given, only names the node whose
   * backends it prefers; there is no default and no advertise host.
   *
   * @throws ConfigException naming the key and what is allowed
   */
  static Optional<ClusterSettings> followerSettings(SupervisorConfig config) {
    ClusterConfig c = ClusterConfig.of(config);
    if (!c.enabled()) {
      return Optional.empty();
    }
    return Optional.of(of(c, c.nodeName(), null));
  }

  private static ClusterSettings of(ClusterConfig c, String node, String advertise) {
    try {
      return ClusterSettings.builder(ClusterSettings.parseEndpoints(c.endpoints()), c.name())
          .node(node)
          .advertiseHost(advertise)
          .lease(c.leaseTtl(), c.keepAlive())
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("supervisor.cluster", e.getMessage());
    }
  }

  /** Starts publishing {@code local} and following the cluster table; never waits for etcd. */
  static ClusterNode start(
      ClusterSettings settings, RoutingRegistry local, Clock clock, MeterRegistry meters) {
    ClusterNode node = ClusterNode.start(settings, local, clock);
    Gauge.builder("llama_supervisor_cluster_stale", node, n -> n.stale() ? 1 : 0)
        .description("1 while the cluster table may be out of date (etcd not reached lately)")
        .register(meters);
    Gauge.builder(
            "llama_supervisor_cluster_table_version", node, n -> n.routes().current().version())
        .description("Version (etcd revision) of the cluster routing table")
        .register(meters);
    Gauge.builder(
            "llama_supervisor_cluster_published",
            node,
            n -> n.publisher().map(p -> p.connected() ? 1 : 0).orElse(0))
        .description("1 while this node's routes are published to etcd")
        .register(meters);
    return node;
  }

  /** The API's view of the cluster table. */
  static ClusterScope scope(ClusterNode node) {
    return new ClusterScope(node.routes(), node::stale);
  }

  /** Default lease settings, for help texts. */
  static Duration defaultTtl() {
    return ClusterSettings.DEFAULT_LEASE_TTL;
  }

  private static String hostNodeName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = System.getenv().getOrDefault("HOSTNAME", "node");
    }
    String name = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    name = name.replaceAll("^[^a-z0-9]+", "");
    return name.isEmpty() ? "node" : name.substring(0, Math.min(63, name.length()));
  }
}
