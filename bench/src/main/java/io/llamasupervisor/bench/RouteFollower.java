package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One watcher's view of the routing table, as far as one model is concerned: the latest table it
 * received, a round-robin pick among the model's READY backends, and its own {@link
 * GenerationTimeline}. Every table is also reported to a shared timeline. Tables come from the
 * watch thread ({@link #accept}); the other methods may be called from any thread.
 */
final class RouteFollower implements Consumer<RoutingTable> {
  private final String model;
  private final Clock clock;
  private final GenerationTimeline own;
  private final GenerationTimeline shared;
  private final Object lock = new Object();
  private RoutingTable table; // guarded by lock
  private long next; // round-robin counter, guarded by lock

  /**
   * @param model id or alias of the model to follow
   * @param shared the timeline every view of the run reports to
   */
  RouteFollower(String model, Clock clock, GenerationTimeline shared) {
    this.model = Objects.requireNonNull(model, "model");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.own = new GenerationTimeline(model);
    this.shared = Objects.requireNonNull(shared, "shared");
  }

  /** A backend chosen from the view, and when: after every table this view had installed. */
  record Pick(BackendRoute backend, Instant at) {}

  /**
   * Installs a table. The time of the observation is taken under the same lock as {@link #pick}'s,
   * so a generation this view saw switched before a pick is never picked, and a switch seen after a
   * pick is timed after it.
   */
  @Override
  public void accept(RoutingTable t) {
    synchronized (lock) {
      Instant at = clock.instant();
      own.observe(t, at);
      shared.observe(t, at);
      table = t;
      lock.notifyAll();
    }
  }

  /** The latest table, or null before the first. */
  RoutingTable table() {
    synchronized (lock) {
      return table;
    }
  }

  /** The model in the latest table. */
  Optional<ModelRoute> route() {
    RoutingTable t = table();
    return t == null ? Optional.empty() : t.model(model);
  }

  /** The next READY backend of the model in turn, or empty when the view lists none. */
  Optional<Pick> pick() {
    synchronized (lock) {
      if (table == null) {
        return Optional.empty();
      }
      List<BackendRoute> ready =
          table.model(model).map(ModelRoute::readyBackends).orElse(List.of());
      if (ready.isEmpty()) {
        return Optional.empty();
      }
      BackendRoute b = ready.get((int) Math.floorMod(next++, (long) ready.size()));
      return Optional.of(new Pick(b, clock.instant()));
    }
  }

  /** What this view alone saw of the model's generations. */
  GenerationTimeline timeline() {
    return own;
  }

  /**
   * Waits until the latest table satisfies {@code condition} (checked at once and on every new
   * table) or {@code timeout} passes.
   *
   * @return whether the condition held
   */
  boolean await(Predicate<RoutingTable> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (table == null || !condition.test(table)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        lock.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  /** Waits until a table other than {@code seen} arrives, or {@code timeout} passes. */
  boolean awaitOther(RoutingTable seen, Duration timeout) throws InterruptedException {
    return await(t -> t != seen, timeout);
  }
}
