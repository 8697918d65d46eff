package io.llamasupervisor.cluster;

import static io.llamasupervisor.cluster.ClusterKeys.bytes;
import static io.llamasupervisor.cluster.ClusterKeys.text;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.llamasupervisor.cluster.Etcd.EtcdUnavailableException;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.client.Backoff;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one node's local routing table to etcd.
 *
 * <p><b>Contract.</b> Every table handed to {@link #offer} is written (the newest one wins when
 * several arrive while a write is under way) in one etcd transaction that deletes the entries of
 * models that left and puts the ones that changed, so a reader never sees half a swap. Every key is
 * attached to the node's lease (TTL {@link ClusterSettings#leaseTtl}, renewed every {@link
 * ClusterSettings#keepAliveInterval}): a node that dies or is cut off loses its entries when the
 * lease expires; {@link #close} revokes it, so a clean stop removes them at once.
 *
 * <p><b>Node name.</b> The first write after a lease grant claims {@code …/nodes/<node>/info} only
 * if it is absent: while another live process holds the name this publisher keeps retrying (and
 * says so in the log), and takes over once that lease is gone.
 *
 * <p><b>etcd unreachable.</b> Nothing here ever touches the local fleet: failures are logged (the
 * first at WARN, then every tenth) and retried with capped jittered backoff. When the lease is
 * found expired, a new one is granted and everything is written again.
 *
 * <p>All etcd calls run on the given single-threaded scheduler, one at a time, each bounded by
 * {@link ClusterSettings#requestTimeout}.
 */
public final class ClusterPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterPublisher.class);

  private final Client client;
  private final ClusterSettings settings;
  private final ClusterKeys keys;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final Backoff backoff;

  // state below is only touched on the executor thread, except the volatile fields
  private volatile RoutingTable desired;
  private volatile boolean closed;
  private volatile boolean connected;
  private volatile long publishedVersion;
  private volatile long publishedRevision;
  private volatile long leaseId;
  private boolean claimed;
  private byte[] infoValue;
  private Map<String, byte[]> published = Map.of();
  private ScheduledFuture<?> pendingSync;
  private ScheduledFuture<?> keepAlive;
  private int failures;
  private volatile LongConsumer onCommit = revision -> {};

  /**
   * A publisher for {@code settings.node()}; {@link #start} begins the lease. {@code executor} must
   * be single-threaded; it is not shut down by {@link #close}.
   */
  public ClusterPublisher(
      Client client, ClusterSettings settings, Clock clock, ScheduledExecutorService executor) {
    this.client = Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    if (settings.node() == null) {
      throw new IllegalArgumentException("a publisher needs a node name");
    }
    this.keys = new ClusterKeys(settings.cluster());
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.backoff =
        new Backoff(
            Duration.ofMillis(Math.min(200, settings.maxBackoff().toMillis())),
            settings.maxBackoff(),
            () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Starts renewing the lease; tables are written as they are offered. */
  public void start() {
    long every = settings.keepAliveInterval().toMillis();
    keepAlive =
        executor.scheduleWithFixedDelay(this::renewSafely, every, every, TimeUnit.MILLISECONDS);
  }

  /** Asks for {@code table} to be published; returns at once. */
  public void offer(RoutingTable table) {
    desired = Objects.requireNonNull(table, "table");
    executor.execute(this::requestSync);
  }

  /** Whether the last write or renewal reached etcd. */
  public boolean connected() {
    return connected;
  }

  /** The local version last written to etcd, 0 before the first. */
  public long publishedVersion() {
    return publishedVersion;
  }

  /** The etcd revision of the last transaction that changed this node's entries, 0 before. */
  public long publishedRevision() {
    return publishedRevision;
  }

  /** The lease the node's keys are attached to, 0 while none is held. */
  public long leaseId() {
    return leaseId;
  }

  /**
   * Stops publishing and revokes the lease (waiting at most the request timeout), which removes
   * this node's entries from every table at once. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    var done =
        executor.submit(
            () -> {
              if (keepAlive != null) {
                keepAlive.cancel(false);
              }
              if (pendingSync != null) {
                pendingSync.cancel(false);
              }
              long lease = leaseId;
              if (lease != 0) {
                try {
                  Etcd.await(client.getLeaseClient().revoke(lease), settings);
                  log.info("cluster: node {} left (lease {} revoked)", settings.node(), hex(lease));
                } catch (EtcdUnavailableException e) {
                  log.warn(
                      "cluster: could not revoke lease {} ({}); node {} leaves when it expires",
                      hex(lease),
                      e.getMessage(),
                      settings.node());
                }
                leaseId = 0;
              }
            });
    try {
      done.get(settings.requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("cluster: stopping the publisher of node {} failed", settings.node(), e);
    }
  }

  /** Benchmark seam: called on the publisher thread with each committed transaction's revision. */
  void onCommit(LongConsumer listener) {
    onCommit = Objects.requireNonNull(listener, "listener");
  }

  private void requestSync() {
    if (closed || pendingSync != null) {
      return; // a write is scheduled (perhaps after a backoff): it takes the newest table
    }
    pendingSync = executor.schedule(this::syncSafely, 0, TimeUnit.MILLISECONDS);
  }

  private void syncSafely() {
    pendingSync = null;
    if (closed) {
      return;
    }
    try {
      sync();
      if (failures > 0) {
        log.info("cluster: node {} publishes again after {} failures", settings.node(), failures);
      }
      failures = 0;
      connected = true;
    } catch (EtcdUnavailableException | RuntimeException e) {
      failures++;
      connected = false;
      if (e instanceof EtcdUnavailableException u && u.leaseNotFound()) {
        dropLease("etcd no longer knows lease " + hex(leaseId));
      }
      Duration delay = backoff.delay(failures);
      if (failures == 1 || failures % 10 == 0) {
        log.warn(
            "cluster: node {} cannot publish to etcd ({}), attempt {}, retrying in {} ms; local"
                + " models keep serving",
            settings.node(),
            e instanceof EtcdUnavailableException ? e.getMessage() : e.toString(),
            failures,
            delay.toMillis());
      }
      if (!closed) {
        pendingSync = executor.schedule(this::syncSafely, delay.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Writes the newest table: grants a lease and claims the node name first when needed. */
  private void sync() throws EtcdUnavailableException {
    RoutingTable want = desired;
    if (want == null) {
      return;
    }
    if (leaseId == 0) {
      long ttl = settings.leaseTtl().toSeconds();
      leaseId = Etcd.await(client.getLeaseClient().grant(ttl), settings).getID();
      claimed = false;
      published = Map.of();
      log.info("cluster: node {} holds lease {} (TTL {} s)", settings.node(), hex(leaseId), ttl);
    }
    Map<String, byte[]> entries = entries(want);
    if (!claimed) {
      claim(entries);
    } else {
      write(entries);
    }
    publishedVersion = want.version();
    if (desired != want) {
      requestSync();
    }
  }

  /** Claims the node name and writes every entry, in one transaction. */
  private void claim(Map<String, byte[]> entries) throws EtcdUnavailableException {
    ByteSequence info = bytes(keys.info(settings.node()));
    byte[] value =
        EntryCodec.info(
            new NodeInfo(settings.node(), settings.advertiseHost(), hex(leaseId), clock.instant()));
    PutOption withLease = PutOption.builder().withLeaseId(leaseId).build();
    List<Op> ops = new ArrayList<>();
    ops.add(Op.put(info, ByteSequence.from(value), withLease));
    entries.forEach((k, v) -> ops.add(Op.put(bytes(k), ByteSequence.from(v), withLease)));
    ByteSequence prefix = bytes(keys.nodePrefix(settings.node()));
    ops.add(Op.get(prefix, GetOption.builder().isPrefix(true).withKeysOnly(true).build()));
    TxnResponse r =
        Etcd.await(
            client
                .getKVClient()
                .txn()
                .If(new Cmp(info, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(ops.toArray(Op[]::new))
                .Else(Op.get(info, GetOption.DEFAULT))
                .commit(),
            settings);
    if (!r.isSucceeded()) {
      throw new IllegalStateException(
          "node name "
              + settings.node()
              + " is held by another live process ("
              + holder(r)
              + "); waiting for its lease to expire");
    }
    infoValue = value;
    claimed = true;
    Map<String, byte[]> now = new LinkedHashMap<>(entries);
    // keys of this node left by an older process without a lease: delete them with the next write
    for (KeyValue kv : r.getGetResponses().get(0).getKvs()) {
      String k = text(kv.getKey());
      if (!k.equals(keys.info(settings.node())) && !entries.containsKey(k)) {
        now.put(k, new byte[0]);
      }
    }
    published = now;
    publishedRevision = r.getHeader().getRevision();
    onCommit.accept(publishedRevision);
    log.info(
        "cluster: node {} published {} models at revision {}",
        settings.node(),
        entries.size(),
        publishedRevision);
    if (now.size() != entries.size()) {
      write(entries);
    }
  }

  /** Deletes the entries of models that left and puts the changed ones, in one transaction. */
  private void write(Map<String, byte[]> entries) throws EtcdUnavailableException {
    PutOption withLease = PutOption.builder().withLeaseId(leaseId).build();
    List<Op> ops = new ArrayList<>();
    published.forEach(
        (k, v) -> {
          if (!entries.containsKey(k)) {
            ops.add(Op.delete(bytes(k), DeleteOption.DEFAULT));
          }
        });
    entries.forEach(
        (k, v) -> {
          if (!Arrays.equals(published.get(k), v)) {
            ops.add(Op.put(bytes(k), ByteSequence.from(v), withLease));
          }
        });
    if (ops.isEmpty()) {
      return;
    }
    ByteSequence info = bytes(keys.info(settings.node()));
    TxnResponse r =
        Etcd.await(
            client
                .getKVClient()
                .txn()
                .If(new Cmp(info, Cmp.Op.EQUAL, CmpTarget.value(ByteSequence.from(infoValue))))
                .Then(ops.toArray(Op[]::new))
                .commit(),
            settings);
    if (!r.isSucceeded()) {
      dropLease("the claim of node " + settings.node() + " is gone");
      throw new IllegalStateException(
          "node " + settings.node() + " lost its claim (its lease expired); publishing again");
    }
    published = entries;
    publishedRevision = r.getHeader().getRevision();
    onCommit.accept(publishedRevision);
  }

  private void renewSafely() {
    long lease = leaseId;
    if (closed || lease == 0) {
      return;
    }
    try {
      LeaseKeepAliveResponse r = Etcd.await(client.getLeaseClient().keepAliveOnce(lease), settings);
      if (r.getTTL() <= 0) {
        dropLease("lease " + hex(lease) + " expired");
        requestSync();
      } else {
        connected = true;
      }
    } catch (EtcdUnavailableException e) {
      connected = false;
      if (e.leaseNotFound()) {
        dropLease("lease " + hex(lease) + " expired");
        requestSync();
      } else {
        log.debug("cluster: lease {} not renewed: {}", hex(lease), e.getMessage());
      }
    } catch (RuntimeException e) {
      log.warn("cluster: renewing lease {} failed", hex(lease), e);
    }
  }

  private void dropLease(String why) {
    if (leaseId != 0) {
      log.warn("cluster: node {}: {}; granting a new lease", settings.node(), why);
    }
    leaseId = 0;
    claimed = false;
    published = Map.of();
  }

  private Map<String, byte[]> entries(RoutingTable table) {
    Map<String, byte[]> out = new HashMap<>();
    for (ModelRoute m : table.models()) {
      out.put(
          keys.model(settings.node(), m.id()),
          EntryCodec.model(table, Advertised.model(m, settings.advertiseHost())));
    }
    return out;
  }

  private static String holder(TxnResponse r) {
    try {
      var kvs = r.getGetResponses().get(0).getKvs();
      if (kvs.isEmpty()) {
        return "gone since";
      }
      NodeInfo i = EntryCodec.readInfo(kvs.get(0).getValue().getBytes());
      return "lease " + i.lease() + " since " + i.since();
    } catch (IOException | RuntimeException e) {
      return "unreadable claim";
    }
  }

  static String hex(long lease) {
    return Long.toHexString(lease);
  }
}
