package io.llamasupervisor.cluster;

import io.llamasupervisor.registry.DelayScheduler;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RouteSource;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merged cluster table, versioned by etcd revision, with the same read, long-poll and
 * subscription contract as the local {@link RoutingRegistry} (see {@link RouteSource}).
 *
 * <p>{@link #publish} is called by the follower only. A table whose routes equal the current ones
 * (same epoch) is not a new version, so the version is the etcd revision of the last change that
 * mattered to routing. Before etcd was first read the table is empty, at version 1 of the epoch
 * {@code <cluster>-unknown}.
 */
public final class ClusterRoutes implements RouteSource {
  private static final Logger log = LoggerFactory.getLogger(ClusterRoutes.class);

  private final DelayScheduler scheduler;
  private final Executor notifier;
  private final Object lock = new Object();
  private volatile RoutingTable current;
  private Set<CompletableFuture<RoutingTable>> waiters = new HashSet<>(); // guarded by lock
  private final Set<Mailbox> subscribers = ConcurrentHashMap.newKeySet();

  /** Long-polls time out on {@code scheduler}; waiters and subscribers run on {@code notifier}. */
  public ClusterRoutes(String cluster, DelayScheduler scheduler, Executor notifier) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.notifier = Objects.requireNonNull(notifier, "notifier");
    this.current = new RoutingTable(cluster + "-unknown", 1, List.of());
  }

  @Override
  public String epoch() {
    return current.epoch();
  }

  @Override
  public RoutingTable current() {
    return current;
  }

  /**
   * Makes {@code models} the table at {@code version} of {@code epoch}, unless the routes are
   * unchanged within the same epoch. Returns the current table.
   */
  RoutingTable publish(String epoch, long version, List<ModelRoute> models) {
    RoutingTable next;
    Set<CompletableFuture<RoutingTable>> woken;
    synchronized (lock) {
      RoutingTable candidate = new RoutingTable(epoch, version, models);
      if (candidate.epoch().equals(current.epoch())
          && (candidate.sameRoutes(current) || version <= current.version())) {
        return current;
      }
      next = candidate;
      current = next;
      woken = waiters;
      waiters = new HashSet<>();
    }
    if (!woken.isEmpty()) {
      notifier.execute(() -> woken.forEach(w -> w.complete(next)));
    }
    subscribers.forEach(s -> s.offer(next));
    return next;
  }

  @Override
  public CompletableFuture<RoutingTable> awaitChange(
      String callerEpoch, long index, Duration wait) {
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative, was " + index);
    }
    if (wait.isNegative()) {
      throw new IllegalArgumentException("wait must not be negative, was " + wait);
    }
    CompletableFuture<RoutingTable> f = new CompletableFuture<>();
    DelayScheduler.Cancellable timeout;
    synchronized (lock) {
      RoutingTable now = current;
      if (now.version() != index
          || (callerEpoch != null && !callerEpoch.equals(now.epoch()))
          || wait.isZero()) {
        return CompletableFuture.completedFuture(now);
      }
      waiters.add(f);
      long jitter = wait.toNanos() / 16;
      Duration total =
          wait.plusNanos(jitter <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitter + 1));
      timeout = scheduler.schedule(total, () -> notifier.execute(() -> f.complete(current)));
    }
    f.whenComplete(
        (t, e) -> {
          timeout.cancel();
          synchronized (lock) {
            waiters.remove(f);
          }
        });
    return f;
  }

  @Override
  public RoutingRegistry.Subscription subscribe(Consumer<RoutingTable> consumer) {
    Mailbox m = new Mailbox(Objects.requireNonNull(consumer, "consumer"));
    subscribers.add(m);
    m.offer(current);
    return m;
  }

  /** Pending long-polls plus subscriptions. */
  public int watcherCount() {
    synchronized (lock) {
      return waiters.size() + subscribers.size();
    }
  }

  /** Answers every pending long-poll and ends all subscriptions. */
  void close() {
    Set<CompletableFuture<RoutingTable>> woken;
    synchronized (lock) {
      woken = waiters;
      waiters = new HashSet<>();
    }
    RoutingTable last = current;
    woken.forEach(w -> w.complete(last));
    new ArrayList<>(subscribers).forEach(Mailbox::close);
  }

  /** A latest-only mailbox drained on the notifier, one drain at a time. */
  private final class Mailbox implements RoutingRegistry.Subscription {
    private final Consumer<RoutingTable> consumer;
    private final AtomicReference<RoutingTable> latest = new AtomicReference<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile RoutingTable delivered;
    private volatile boolean closed;

    Mailbox(Consumer<RoutingTable> consumer) {
      this.consumer = consumer;
    }

    void offer(RoutingTable table) {
      latest.accumulateAndGet(table, (old, now) -> old == null || newer(now, old) ? now : old);
      if (!closed && draining.compareAndSet(false, true)) {
        notifier.execute(this::drain);
      }
    }

    private void drain() {
      while (true) {
        RoutingTable next = latest.get();
        if (closed || next == delivered) {
          draining.set(false);
          if (!closed && latest.get() != delivered && draining.compareAndSet(false, true)) {
            continue;
          }
          return;
        }
        delivered = next;
        try {
          consumer.accept(next);
        } catch (RuntimeException e) {
          log.warn("cluster routing subscriber failed on version {}", next.version(), e);
        }
      }
    }

    @Override
    public void close() {
      closed = true;
      subscribers.remove(this);
    }
  }

  /** Whether {@code a} replaces {@code b}: a later version, or another epoch. */
  private static boolean newer(RoutingTable a, RoutingTable b) {
    return !a.epoch().equals(b.epoch()) || a.version() > b.version();
  }
}
