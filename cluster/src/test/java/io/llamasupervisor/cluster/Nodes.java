package io.llamasupervisor.cluster;

import io.etcd.jetcd.Client;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.DelayScheduler;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Publishers and followers of a test cluster, closed together. */
final class Nodes implements AutoCloseable {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<URI> endpoints;
  private final String cluster;
  private final Duration ttl;

  Nodes(List<URI> endpoints, String cluster, Duration ttl) {
    this.endpoints = endpoints;
    this.cluster = cluster;
    this.ttl = ttl;
  }

  String cluster() {
    return cluster;
  }

  ClusterSettings settings(String node) {
    return ClusterSettings.builder(endpoints, cluster)
        .node(node)
        .advertiseHost(node == null ? null : node + ".test")
        .lease(ttl, Duration.ofMillis(Math.max(500, ttl.toMillis() / 4)))
        .build();
  }

  Client client(ClusterSettings s) {
    Client c = Etcd.client(s);
    open.add(0, c::close);
    return c;
  }

  ClusterPublisher publisher(String node) {
    return publisher(node, endpoints);
  }

  /** A publisher that reaches etcd through {@code via} only. */
  ClusterPublisher publisher(String node, List<URI> via) {
    ClusterSettings s = settings(node).toBuilder().endpoints(via).build();
    ScheduledExecutorService exec = executor("publisher-" + node);
    ClusterPublisher p = new ClusterPublisher(client(s), s, Clock.systemUTC(), exec);
    open.add(0, p);
    p.start();
    return p;
  }

  ClusterFollower follower() {
    ClusterSettings s = settings(null);
    ScheduledExecutorService exec = executor("follower");
    DelayScheduler.Daemon timeouts = DelayScheduler.daemon("cluster-timeouts");
    open.add(0, timeouts);
    ClusterRoutes routes = new ClusterRoutes(cluster, timeouts, exec);
    ClusterFollower f = new ClusterFollower(client(s), s, Clock.systemUTC(), exec, routes);
    open.add(0, f);
    f.start();
    return f;
  }

  private ScheduledExecutorService executor(String name) {
    ScheduledExecutorService exec =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    open.add(0, exec::shutdownNow);
    return exec;
  }

  @Override
  public void close() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort in tests
      }
    }
  }

  static BackendRoute backend(int port, long generation, BackendState state) {
    return BackendRoute.of("127.0.0.1", port, generation, state, T0, 4, 4);
  }

  static RoutingTable table(long version, ModelRoute... models) {
    return new RoutingTable("local", version, List.of(models));
  }

  static ModelRoute model(String id, BackendRoute... backends) {
    return new ModelRoute(id, null, "ready", List.of(backends));
  }

  /** The urls of model {@code id}'s backends in {@code state}, in {@code t}. */
  static List<String> urls(RoutingTable t, String id, BackendState state) {
    return t.model(id)
        .map(
            m ->
                m.backends().stream()
                    .filter(b -> b.state() == state)
                    .map(BackendRoute::url)
                    .toList())
        .orElse(List.of());
  }
}
