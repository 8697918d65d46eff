package io.llamasupervisor.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current {@link RoutingTable} and tells watchers when it changes.
 *
 * <p><b>Versions.</b> The first table is empty at version 1. Each {@link #update} or {@link
 * #publish} that changes the routes produces exactly one new table whose version is the previous
 * one plus 1; one that changes nothing returns the current table and bumps nothing. Updates are
 * serialized, so any number of threads may publish.
 *
 * <p><b>Long-polls.</b> {@link #awaitChange} works like a Consul blocking query: it answers at once
 * unless the caller already holds the current version, and otherwise completes on the next publish
 * or, with the unchanged table, after {@code wait} plus up to {@code wait/16} of jitter (which
 * spreads the reconnects of many pollers). A pending poll costs one future and one entry in the
 * {@link DelayScheduler}, never a thread.
 *
 * <p><b>Subscriptions.</b> {@link #subscribe} feeds a consumer the current table and then every
 * newer one, in version order, on the notifier executor. Each subscriber has a mailbox that keeps
 * only the latest table, so a slow subscriber skips intermediate versions and never delays {@link
 * #update} or other subscribers' mailboxes. Futures returned by {@link #awaitChange} are also
 * completed on the notifier, so {@code update} never runs a caller's callback.
 */
public final class RoutingRegistry implements RouteSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RoutingRegistry.class);

  private final Clock clock;
  private final String epoch;
  private final DelayScheduler scheduler;
  private final Executor notifier;
  private final List<AutoCloseable> owned;

  private final Object lock = new Object();
  private volatile RoutingTable current;
  private volatile Instant lastChange;
  private Set<Waiter> waiters = new HashSet<>(); // guarded by lock
  private boolean closed; // guarded by lock
  private final AtomicInteger pendingWaiters = new AtomicInteger();
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();

  /**
   * A registry with a new epoch, its own timeout thread and two notifier threads (all daemons,
   * stopped by {@link #close}).
   */
  public RoutingRegistry(Clock clock) {
    this(clock, newEpoch(clock), new OwnedThreads());
  }

  /**
   * A registry in {@code epoch} that times out long-polls on {@code scheduler} and notifies
   * watchers on {@code notifier}. Neither is closed by {@link #close}.
   */
  public RoutingRegistry(Clock clock, String epoch, DelayScheduler scheduler, Executor notifier) {
    this(clock, epoch, scheduler, notifier, List.of());
  }

  private RoutingRegistry(Clock clock, String epoch, OwnedThreads threads) {
    this(
        clock,
        epoch,
        threads.timeouts,
        threads.notifier,
        List.of(threads.timeouts, threads.notifier::shutdown));
  }

  private RoutingRegistry(
      Clock clock,
      String epoch,
      DelayScheduler scheduler,
      Executor notifier,
      List<AutoCloseable> owned) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.epoch = epoch;
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.notifier = Objects.requireNonNull(notifier, "notifier");
    this.owned = owned;
    this.current = new RoutingTable(epoch, 1, List.of());
    this.lastChange = clock.instant();
  }

  /**
   * A fresh epoch: the start time in base 36 and 32 random bits, so two runs never share one even
   * when started in the same millisecond.
   */
  public static String newEpoch(Clock clock) {
    return Long.toString(clock.millis(), 36)
        + "-"
        + String.format("%08x", ThreadLocalRandom.current().nextInt());
  }

  /** This run's epoch. */
  public String epoch() {
    return epoch;
  }

  /** The current table; never null. */
  public RoutingTable current() {
    return current;
  }

  /** When the current version was published (the start time for version 1). */
  public Instant lastChange() {
    return lastChange;
  }

  /**
   * Atomically derives the next table: {@code change} receives a builder holding the current models
   * (and may return it or another builder). Runs under the registry's write lock, so keep it short
   * and do not call back into the registry. Returns the resulting table: a new version, or the
   * current table if the routes did not change.
   *
   * @throws IllegalStateException after {@link #close}
   */
  public RoutingTable update(UnaryOperator<RoutingTable.Builder> change) {
    RoutingTable next;
    Set<Waiter> woken;
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("routing registry is closed");
      }
      RoutingTable.Builder builder = change.apply(current.toBuilder());
      Objects.requireNonNull(builder, "update returned no builder");
      RoutingTable candidate = builder.build(epoch, current.version() + 1);
      if (candidate.sameRoutes(current)) {
        return current;
      }
      next = candidate;
      current = next;
      lastChange = clock.instant();
      woken = waiters;
      waiters = new HashSet<>();
    }
    if (!woken.isEmpty()) {
      notifier.execute(() -> woken.forEach(w -> w.future.complete(next)));
    }
    subscribers.forEach(s -> s.offer(next));
    return next;
  }

  /**
   * Replaces all models by {@code models} (keyed by id) in one version; a no-op if they equal the
   * current ones.
   */
  public RoutingTable publish(Map<String, ModelRoute> models) {
    models.forEach(
        (id, m) -> {
          if (!id.equals(m.id())) {
            throw new IllegalArgumentException("model " + m.id() + " is keyed as " + id);
          }
        });
    return update(
        b -> {
          b.clear();
          models.values().forEach(b::put);
          return b;
        });
  }

  /** {@link #awaitChange(String, long, Duration)} for a caller that sends no epoch. */
  public CompletableFuture<RoutingTable> awaitChange(long index, Duration wait) {
    return awaitChange(null, index, wait);
  }

  /**
   * A blocking query. Completes at once with the current table when its version differs from {@code
   * index} (newer: a change the caller missed; older: an index from another run), when {@code
   * callerEpoch} is non-null and not this run's epoch, when {@code wait} is zero, or after {@link
   * #close}. Otherwise completes with the next published table, or with the current one after
   * {@code wait} plus up to {@code wait/16} of jitter. Cancelling the future drops the wait.
   */
  public CompletableFuture<RoutingTable> awaitChange(
      String callerEpoch, long index, Duration wait) {
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative, was " + index);
    }
    if (wait.isNegative()) {
      throw new IllegalArgumentException("wait must not be negative, was " + wait);
    }
    Waiter waiter = new Waiter();
    synchronized (lock) {
      RoutingTable now = current;
      if (closed
          || now.version() != index
          || (callerEpoch != null && !callerEpoch.equals(epoch))
          || wait.isZero()) {
        return CompletableFuture.completedFuture(now);
      }
      waiters.add(waiter);
      pendingWaiters.incrementAndGet();
      waiter.timeout = scheduler.schedule(wait.plus(jitter(wait)), () -> expire(waiter));
    }
    waiter.future.whenComplete((t, e) -> forget(waiter));
    return waiter.future;
  }

  /**
   * Feeds {@code consumer} the current table and then each newer one, in increasing version order,
   * on the notifier executor, one call at a time. A consumer slower than the publish rate receives
   * only the latest table. Exceptions thrown by the consumer are logged and do not end the
   * subscription. Close the returned handle to stop.
   *
   * @throws IllegalStateException after {@link #close}
   */
  public Subscription subscribe(Consumer<RoutingTable> consumer) {
    Subscriber s = new Subscriber(Objects.requireNonNull(consumer, "consumer"));
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("routing registry is closed");
      }
      subscribers.add(s);
    }
    s.offer(current);
    return s;
  }

  /** Long-polls waiting for a change. */
  public int pendingWaiters() {
    return pendingWaiters.get();
  }

  /** Open subscriptions. */
  public int subscriberCount() {
    return subscribers.size();
  }

  /** Everyone watching: pending long-polls plus subscriptions (for metrics). */
  public int watcherCount() {
    return pendingWaiters() + subscriberCount();
  }

  /**
   * Answers every pending long-poll with the current table, ends all subscriptions and stops the
   * threads this registry created. Idempotent.
   */
  @Override
  public void close() {
    Set<Waiter> woken;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      woken = waiters;
      waiters = new HashSet<>();
    }
    RoutingTable last = current;
    woken.forEach(w -> w.future.complete(last));
    new ArrayList<>(subscribers).forEach(Subscriber::close);
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing {} failed", c, e);
      }
    }
  }

  private static Duration jitter(Duration wait) {
    long max = wait.toNanos() / 16;
    return Duration.ofNanos(max <= 0 ? 0 : ThreadLocalRandom.current().nextLong(max + 1));
  }

  private void expire(Waiter waiter) {
    notifier.execute(() -> waiter.future.complete(current));
  }

  private void forget(Waiter waiter) {
    DelayScheduler.Cancellable timeout = waiter.timeout;
    if (timeout != null) { // null only if a tiny wait expired before schedule() returned
      timeout.cancel();
    }
    synchronized (lock) {
      waiters.remove(waiter);
    }
    pendingWaiters.decrementAndGet();
  }

  /** The threads of a registry built with defaults, stopped by {@link #close}. */
  private static final class OwnedThreads {
    final DelayScheduler.Daemon timeouts = DelayScheduler.daemon("routing-watch-timeouts");
    final ExecutorService notifier;

    OwnedThreads() {
      AtomicInteger n = new AtomicInteger();
      notifier =
          Executors.newFixedThreadPool(
              2,
              r -> {
                Thread t = new Thread(r, "routing-notify-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }
  }

  /** A subscription; closing it is idempotent and stops further deliveries. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  private static final class Waiter {
    final CompletableFuture<RoutingTable> future = new CompletableFuture<>();
    volatile DelayScheduler.Cancellable timeout;
  }

  /** A latest-only mailbox drained on the notifier, one drain at a time. */
  private final class Subscriber implements Subscription {
    private final Consumer<RoutingTable> consumer;
    private final AtomicReference<RoutingTable> latest = new AtomicReference<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile long delivered;
    private volatile boolean closed;

    Subscriber(Consumer<RoutingTable> consumer) {
      this.consumer = consumer;
    }

    void offer(RoutingTable table) {
      latest.accumulateAndGet(
          table, (old, now) -> old == null || now.version() > old.version() ? now : old);
      if (!closed && draining.compareAndSet(false, true)) {
        notifier.execute(this::drain);
      }
    }

    private void drain() {
      while (true) {
        RoutingTable next = latest.get();
        if (closed || next.version() <= delivered) {
          draining.set(false);
          // a table offered after the check above found the flag still set: take it over
          if (!closed
              && latest.get().version() > delivered
              && draining.compareAndSet(false, true)) {
            continue;
          }
          return;
        }
        delivered = next.version();
        try {
          consumer.accept(next);
        } catch (RuntimeException e) {
          log.warn("routing subscriber failed on version {}", next.version(), e);
        }
      }
    }

    @Override
    public void close() {
      closed = true;
      subscribers.remove(this);
    }
  }
}
