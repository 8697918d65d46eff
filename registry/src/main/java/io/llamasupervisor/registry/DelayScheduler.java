package io.llamasupervisor.registry;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay. The seam through which {@link RoutingRegistry} times out
 * long-polls, so tests can drive time by hand. Implementations must be cheap per pending task (one
 * heap entry, not one thread).
 */
public interface DelayScheduler {

  /** Runs {@code task} once, {@code delay} from now; the handle cancels it if it has not run. */
  Cancellable schedule(Duration delay, Runnable task);

  /** Handle on a scheduled task. */
  interface Cancellable {
    /** Prevents the task from running if it has not started; idempotent. */
    void cancel();
  }

  /**
   * Schedules on {@code executor} (one heap entry per task); cancelling a handle cancels the
   * executor's future without interrupting a task that has started. The executor's own removal
   * policy decides whether a cancelled task leaves its queue at once.
   */
  static DelayScheduler on(ScheduledExecutorService executor) {
    return (delay, task) -> {
      var future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    };
  }

  /**
   * A scheduler on one daemon thread named {@code threadName}; cancelled tasks are removed at once
   * so abandoned long-polls do not pile up. Close it to stop the thread.
   */
  static Daemon daemon(String threadName) {
    return new Daemon(threadName);
  }

  /** The default implementation: one daemon thread, a heap of pending tasks. */
  final class Daemon implements DelayScheduler, AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;
    private final DelayScheduler delegate;

    private Daemon(String threadName) {
      executor =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
              });
      executor.setRemoveOnCancelPolicy(true);
      delegate = on(executor);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      return delegate.schedule(delay, task);
    }

    /** Number of tasks waiting to run (for metrics and tests). */
    public int pending() {
      return executor.getQueue().size();
    }

    /** Stops the thread; pending tasks never run. */
    @Override
    public void close() {
      executor.shutdownNow();
    }
  }
}
