package io.llamasupervisor.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A clock and a {@link DelayScheduler} that move only when {@link #advance} is called. Due tasks
 * run on the advancing thread, in due order, with the clock set to their due time.
 */
final class ManualTime extends Clock implements DelayScheduler {
  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(Comparator.comparing(Task::due).thenComparingLong(Task::seq));
  private Instant now;
  private long seq;

  ManualTime(Instant start) {
    this.now = start;
  }

  @Override
  public synchronized Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Task t = new Task(now.plus(delay), seq++, task);
    tasks.add(t);
    return () -> {
      synchronized (this) {
        tasks.remove(t);
      }
    };
  }

  /** Tasks scheduled and neither run nor cancelled. */
  synchronized int pending() {
    return tasks.size();
  }

  /** Moves time forward by {@code d}, running every task that falls due. */
  void advance(Duration d) {
    Instant target;
    synchronized (this) {
      target = now.plus(d);
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due().isAfter(target)) {
          now = target;
          return;
        }
        tasks.poll();
        now = next.due();
      }
      next.task().run();
    }
  }

  /** The due times of pending tasks, earliest first. */
  synchronized List<Instant> dueTimes() {
    List<Instant> due = new ArrayList<>();
    tasks.stream().sorted(tasks.comparator()).forEach(t -> due.add(t.due()));
    return due;
  }

  private record Task(Instant due, long seq, Runnable task) {}
}
