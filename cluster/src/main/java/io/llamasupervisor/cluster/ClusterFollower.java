package io.llamasupervisor.cluster;

import static io.llamasupervisor.cluster.ClusterKeys.bytes;
import static io.llamasupervisor.cluster.ClusterKeys.text;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.llamasupervisor.cluster.Etcd.EtcdUnavailableException;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.client.Backoff;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every node's entries in etcd and serves the merged table through {@link #routes()}.
 *
 * <p><b>Contract.</b> The table's version is the etcd revision of the last change that mattered to
 * routing and its epoch is {@code <cluster>-<etcd cluster id>}; all events of one revision (one
 * node's transaction, or one lease expiry) are applied together, so a swap on a node is one version
 * here too. At start, and whenever the watch breaks, the prefix is listed and watched from the
 * listed revision; a watch whose start revision was compacted away lists again and watches from the
 * new revision.
 *
 * <p><b>Staleness.</b> A quorum read every {@code keepAliveInterval / 3} (at most 1 s) checks that
 * etcd answers. When it does not, or the list fails, the table is marked {@link #stale()} and kept
 * as it was; reads keep being answered from it. When etcd answers again the prefix is listed anew,
 * which also catches anything the watch missed, and the mark is cleared.
 *
 * <p>All work runs on the given single-threaded scheduler.
 */
public final class ClusterFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterFollower.class);

  private final Client client;
  private final ClusterSettings settings;
  private final ClusterKeys keys;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final ClusterRoutes routes;
  private final Backoff backoff;

  // only touched on the executor thread
  private final Map<String, Entry> entries = new HashMap<>();
  private Watch.Watcher watcher;
  private long session;
  private int failures;
  private ScheduledFuture<?> pendingList;
  private ScheduledFuture<?> probe;
  private String epoch;

  private volatile boolean closed;
  private volatile Instant staleSince;
  private volatile Map<String, String> nodeOfUrl = Map.of();
  private volatile long listings;

  private record Entry(String node, ModelRoute model) {}

  /**
   * A follower serving its table through {@code routes}; {@link #start} reads etcd. {@code
   * executor} must be single-threaded; it is not shut down by {@link #close}.
   */
  public ClusterFollower(
      Client client,
      ClusterSettings settings,
      Clock clock,
      ScheduledExecutorService executor,
      ClusterRoutes routes) {
    this.client = Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.keys = new ClusterKeys(settings.cluster());
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.routes = Objects.requireNonNull(routes, "routes");
    this.backoff =
        new Backoff(
            Duration.ofMillis(Math.min(200, settings.maxBackoff().toMillis())),
            settings.maxBackoff(),
            () -> ThreadLocalRandom.current().nextDouble());
    this.staleSince = clock.instant();
  }

  /** Lists and watches the cluster's prefix; starts the reachability probe. */
  public void start() {
    executor.execute(this::list);
    long every = Math.max(100, Math.min(1000, settings.keepAliveInterval().toMillis() / 3));
    probe = executor.scheduleWithFixedDelay(this::probe, every, every, TimeUnit.MILLISECONDS);
  }

  /** The merged table, its long-polls and subscriptions. */
  public ClusterRoutes routes() {
    return routes;
  }

  /** Whether the table may be out of date: etcd was not reached lately (or not yet). */
  public boolean stale() {
    return staleSince != null;
  }

  /** Since when the table is stale, or empty while it is current. */
  public Optional<Instant> staleSince() {
    return Optional.ofNullable(staleSince);
  }

  /** The node that published the backend at {@code url}, if it is in the table. */
  public Optional<String> nodeOf(String url) {
    return Optional.ofNullable(nodeOfUrl.get(url));
  }

  /** How many times the prefix was listed (1 after start; more after outages or compactions). */
  public long listings() {
    return listings;
  }

  /** Stops watching and answers every pending long-poll; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    var done =
        executor.submit(
            () -> {
              if (probe != null) {
                probe.cancel(false);
              }
              if (pendingList != null) {
                pendingList.cancel(false);
              }
              stopWatch();
            });
    try {
      done.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("cluster: stopping the follower failed", e);
    }
    routes.close();
  }

  /** Lists the prefix, publishes it, and watches from the next revision. */
  private void list() {
    pendingList = null;
    if (closed) {
      return;
    }
    stopWatch();
    GetResponse r;
    try {
      r =
          Etcd.await(
              client
                  .getKVClient()
                  .get(bytes(keys.nodesPrefix()), GetOption.builder().isPrefix(true).build()),
              settings);
    } catch (EtcdUnavailableException e) {
      markStale("listing failed: " + e.getMessage());
      failures++;
      long delay = backoff.delay(failures).toMillis();
      pendingList = executor.schedule(this::list, delay, TimeUnit.MILLISECONDS);
      return;
    }
    failures = 0;
    listings++;
    entries.clear();
    for (KeyValue kv : r.getKvs()) {
      apply(text(kv.getKey()), kv.getValue().getBytes());
    }
    long revision = r.getHeader().getRevision();
    epoch = keys.cluster() + "-" + Long.toHexString(r.getHeader().getClusterId());
    publish(revision);
    markFresh();
    watch(revision + 1);
  }

  /** Watches the prefix from {@code revision} (a new session: older callbacks are ignored). */
  private void watch(long revision) {
    stopWatch();
    long mine = session;
    WatchOption opt = WatchOption.builder().isPrefix(true).withRevision(revision).build();
    watcher =
        client
            .getWatchClient()
            .watch(
                bytes(keys.nodesPrefix()),
                opt,
                Watch.listener(
                    resp -> executor.execute(() -> onEvents(mine, resp)),
                    err -> executor.execute(() -> onWatchError(mine, err)),
                    () -> executor.execute(() -> onWatchError(mine, null))));
  }

  /**
   * Test seam: watches again from {@code revision}, as a watch resuming after a disconnect does.
   */
  void watchFrom(long revision) {
    executor.execute(() -> watch(revision));
  }

  private void onEvents(long mine, WatchResponse resp) {
    if (mine != session || closed) {
      return;
    }
    long revision = 0;
    for (WatchEvent e : resp.getEvents()) {
      String key = text(e.getKeyValue().getKey());
      revision = Math.max(revision, e.getKeyValue().getModRevision());
      switch (e.getEventType()) {
        case PUT -> apply(key, e.getKeyValue().getValue().getBytes());
        case DELETE -> entries.remove(key);
        default -> log.debug("cluster: ignored {} event on {}", e.getEventType(), key);
      }
    }
    if (revision > 0) {
      publish(revision);
    }
  }

  private void onWatchError(long mine, Throwable err) {
    if (mine != session || closed) {
      return;
    }
    if (err instanceof CompactedException c) {
      log.info(
          "cluster: watch start revision compacted (at {}); listing again",
          c.getCompactedRevision());
      list();
      return;
    }
    markStale(err == null ? "watch ended" : "watch failed: " + Etcd.describe(err));
    list();
  }

  private void probe() {
    if (closed) {
      return;
    }
    try {
      Etcd.await(
          client
              .getKVClient()
              .get(
                  bytes(keys.nodesPrefix()),
                  GetOption.builder().isPrefix(true).withCountOnly(true).build()),
          settings);
      if (stale() && pendingList == null) {
        log.info("cluster: etcd answers again; listing the cluster table");
        list();
      }
    } catch (EtcdUnavailableException e) {
      markStale("etcd unreachable: " + e.getMessage());
    } catch (RuntimeException e) {
      log.warn("cluster: reachability probe failed", e);
    }
  }

  private void apply(String key, byte[] value) {
    var parsed = keys.parseModel(key);
    if (parsed.isEmpty()) {
      return; // a claim, or a key of another kind
    }
    try {
      ModelRoute m = EntryCodec.readModel(value);
      if (!m.id().equals(parsed.get().modelId())) {
        log.warn("cluster: entry {} holds model {}; ignored", key, m.id());
        return;
      }
      entries.put(key, new Entry(parsed.get().node(), m));
    } catch (IOException | RuntimeException e) {
      log.warn("cluster: unreadable entry {} ignored: {}", key, e.getMessage());
      entries.remove(key);
    }
  }

  private void publish(long revision) {
    SortedMap<String, SortedMap<String, ModelRoute>> byNode = new TreeMap<>();
    Map<String, String> owners = new HashMap<>();
    entries
        .values()
        .forEach(
            e -> {
              byNode.computeIfAbsent(e.node(), n -> new TreeMap<>()).put(e.model().id(), e.model());
              for (BackendRoute b : e.model().backends()) {
                owners.putIfAbsent(b.url(), e.node());
              }
            });
    try {
      // owners first: a subscriber that asks nodeOf(url) for the new table finds its backends
      nodeOfUrl = Map.copyOf(owners);
      RoutingTable t = routes.publish(epoch, Math.max(1, revision), ClusterMerge.merge(byNode));
      log.debug("cluster: table at revision {} ({} models)", t.version(), t.models().size());
    } catch (RuntimeException e) {
      log.warn("cluster: could not merge the table at revision {}", revision, e);
    }
  }

  private void markStale(String why) {
    if (staleSince == null) {
      staleSince = clock.instant();
      log.warn("cluster: table is stale ({}); serving the last known one", why);
    }
  }

  private void markFresh() {
    if (staleSince != null) {
      log.info("cluster: table is current again at version {}", routes.current().version());
    }
    staleSince = null;
  }

  private void stopWatch() {
    session++;
    if (watcher != null) {
      try {
        watcher.close();
      } catch (RuntimeException e) {
        log.debug("cluster: closing the watch failed", e);
      }
      watcher = null;
    }
  }
}
