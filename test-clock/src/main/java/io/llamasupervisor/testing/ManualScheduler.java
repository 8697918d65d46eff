package io.llamasupervisor.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ScheduledExecutorService} driven by a {@link MutableClock}: nothing runs until the test
 * calls {@link #advance(Duration)} (or {@link #runDue()}), which moves the clock task by task and
 * runs each due task on the calling thread, in due-time order (ties in submission order). Tasks
 * scheduled while advancing run in the same call when they fall due before its end. So a test can
 * assert exact delays without real waiting.
 *
 * <p>{@link #execute(Runnable)} queues with zero delay. Cancelled tasks leave the queue at once.
 * Periodic tasks are supported. Not meant for concurrent use by several test threads at once.
 */
public final class ManualScheduler extends AbstractExecutorService
    implements ScheduledExecutorService {
  private final MutableClock clock;
  private final PriorityQueue<Task<?>> queue =
      new PriorityQueue<>(
          Comparator.<Task<?>, Instant>comparing(t -> t.due).thenComparingLong(t -> t.seq));
  private final AtomicLong seq = new AtomicLong();
  private final List<Duration> requestedDelays = new ArrayList<>();
  private boolean shutdown;

  public ManualScheduler(MutableClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Moves time forward by {@code d}, running every task that falls due up to the new time. */
  public void advance(Duration d) {
    Instant end = clock.instant().plus(d);
    while (true) {
      Task<?> next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due.isAfter(end)) {
          break;
        }
        queue.poll();
      }
      clock.setTo(next.due);
      next.runOnce();
    }
    clock.setTo(end);
  }

  /** Runs the tasks due now (e.g. zero-delay ones) without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** Number of tasks waiting to run (cancelled ones excluded). */
  public synchronized int pending() {
    return queue.size();
  }

  /** Delays of the pending tasks from now, earliest first. */
  public synchronized List<Duration> pendingDelays() {
    List<Duration> out = new ArrayList<>();
    queue.stream()
        .sorted(queue.comparator())
        .forEach(t -> out.add(Duration.between(clock.instant(), t.due)));
    return out;
  }

  /** Every delay ever passed to a schedule method, in call order. */
  public synchronized List<Duration> requestedDelays() {
    return List.copyOf(requestedDelays);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(new FutureTask<Void>(command, null), delay, unit, 0);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(new FutureTask<>(callable), delay, unit, 0);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    requirePositive(period);
    return enqueue(periodic(command), initialDelay, unit, unit.toNanos(period));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    requirePositive(delay);
    // Tasks run instantly in fake time, so fixed delay and fixed rate coincide.
    return enqueue(periodic(command), initialDelay, unit, unit.toNanos(delay));
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> never = new ArrayList<>();
    queue.forEach(t -> never.add(t.body));
    queue.clear();
    return never;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && queue.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  private static void requirePositive(long period) {
    if (period <= 0) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
  }

  private static FutureTask<Void> periodic(Runnable command) {
    return new FutureTask<>(command, null) {
      @Override
      public void run() {
        runAndReset();
      }
    };
  }

  private synchronized <V> Task<V> enqueue(
      FutureTask<V> body, long delay, TimeUnit unit, long periodNanos) {
    if (shutdown) {
      throw new RejectedExecutionException("scheduler is shut down");
    }
    Duration d = Duration.ofNanos(Math.max(0, unit.toNanos(delay)));
    requestedDelays.add(d);
    Task<V> task = new Task<>(body, clock.instant().plus(d), seq.getAndIncrement(), periodNanos);
    queue.add(task);
    return task;
  }

  private final class Task<V> implements ScheduledFuture<V> {
    private final FutureTask<V> body;
    private final long seq;
    private final long periodNanos;
    private Instant due;

    Task(FutureTask<V> body, Instant due, long seq, long periodNanos) {
      this.body = body;
      this.due = due;
      this.seq = seq;
      this.periodNanos = periodNanos;
    }

    void runOnce() {
      body.run();
      if (periodNanos > 0 && !body.isDone()) {
        synchronized (ManualScheduler.this) {
          due = due.plusNanos(periodNanos);
          queue.add(this);
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(clock.instant(), due));
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = body.cancel(mayInterruptIfRunning);
      synchronized (ManualScheduler.this) {
        queue.remove(this);
      }
      return cancelled;
    }

    @Override
    public boolean isCancelled() {
      return body.isCancelled();
    }

    @Override
    public boolean isDone() {
      return body.isDone();
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
      if (!body.isDone()) {
        throw new IllegalStateException("not run yet; advance the scheduler first");
      }
      return body.get();
    }

    @Override
    public V get(long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
      if (!body.isDone()) {
        throw new TimeoutException("not run yet; advance the scheduler first");
      }
      return body.get();
    }
  }
}
