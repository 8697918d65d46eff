package io.llamasupervisor.cluster;

import io.etcd.jetcd.Client;
import io.llamasupervisor.registry.DelayScheduler;
import io.llamasupervisor.registry.RouteSource;
import io.llamasupervisor.registry.RoutingRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's part in a cluster, assembled: an etcd client, a {@link ClusterFollower} serving the
 * merged table, and (with a node name and a local table) a {@link ClusterPublisher} that publishes
 * every version of the local table.
 *
 * <pre>{@code
 * ClusterNode node = ClusterNode.start(settings, localRegistry, Clock.systemUTC());
 * node.routes();   // the cluster table: current(), awaitChange(...), subscribe(...)
 * node.stale();    // etcd not reached lately
 * node.close();    // revokes the lease: this node's routes leave every table at once
 * }</pre>
 *
 * Starting never waits for etcd: an unreachable etcd is retried in the background while the process
 * serves its local models.
 */
public final class ClusterNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  private final ClusterSettings settings;
  private final ClusterFollower follower;
  private final ClusterPublisher publisher;
  private final List<AutoCloseable> closeInOrder;

  private ClusterNode(
      ClusterSettings settings,
      ClusterFollower follower,
      ClusterPublisher publisher,
      List<AutoCloseable> closeInOrder) {
    this.settings = settings;
    this.follower = follower;
    this.publisher = publisher;
    this.closeInOrder = closeInOrder;
  }

  /**
   * Connects to etcd in the background and starts following the cluster table; when {@code
   * settings.node()} is set and {@code local} is given, also publishes every version of {@code
   * local} as that node.
   */
  public static ClusterNode start(ClusterSettings settings, RouteSource local, Clock clock) {
    Objects.requireNonNull(settings, "settings");
    List<AutoCloseable> close = new ArrayList<>();
    Client client = Etcd.client(settings);
    ScheduledExecutorService followerThread = daemon("cluster-follower");
    DelayScheduler.Daemon timeouts = DelayScheduler.daemon("cluster-watch-timeouts");
    ClusterRoutes routes = new ClusterRoutes(settings.cluster(), timeouts, followerThread);
    ClusterFollower follower = new ClusterFollower(client, settings, clock, followerThread, routes);
    ClusterPublisher publisher = null;
    RoutingRegistry.Subscription subscription = null;
    if (settings.node() != null && local != null) {
      ScheduledExecutorService publisherThread = daemon("cluster-publisher");
      publisher = new ClusterPublisher(client, settings, clock, publisherThread);
      publisher.start();
      subscription = local.subscribe(publisher::offer);
      close.add(subscription);
      close.add(publisher);
      close.add(publisherThread::shutdownNow);
    }
    follower.start();
    close.add(follower);
    close.add(followerThread::shutdownNow);
    close.add(timeouts);
    close.add(client);
    log.info(
        "cluster {}: {} via etcd {}",
        settings.cluster(),
        publisher == null
            ? "following"
            : "node "
                + settings.node()
                + " publishing (advertised as "
                + settings.advertiseHost()
                + ") and following",
        settings.endpoints());
    return new ClusterNode(settings, follower, publisher, close);
  }

  /** The settings this node runs with. */
  public ClusterSettings settings() {
    return settings;
  }

  /** The merged cluster table. */
  public ClusterRoutes routes() {
    return follower.routes();
  }

  /** The follower (staleness, which node serves a backend). */
  public ClusterFollower follower() {
    return follower;
  }

  /** The publisher, empty for a follow-only process. */
  public Optional<ClusterPublisher> publisher() {
    return Optional.ofNullable(publisher);
  }

  /** Whether the cluster table may be out of date. */
  public boolean stale() {
    return follower.stale();
  }

  /** Whether {@code backendUrl} is served by this node. */
  public boolean isLocal(String backendUrl) {
    return settings.node() != null
        && follower.nodeOf(backendUrl).map(settings.node()::equals).orElse(false);
  }

  /**
   * The url other nodes (and this node's gateway, which follows the cluster table) know a local
   * backend by: {@code localUrl} moved to the advertise host when it listens on a loopback or
   * wildcard address, else unchanged.
   */
  public String advertisedUrl(String localUrl) {
    return Advertised.url(localUrl, settings.advertiseHost());
  }

  /** Stops publishing (revoking the lease), following, and the etcd client. Idempotent. */
  @Override
  public void close() {
    for (AutoCloseable c : closeInOrder) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("cluster: closing {} failed", c, e);
      }
    }
    closeInOrder.clear();
  }

  private static ScheduledExecutorService daemon(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
