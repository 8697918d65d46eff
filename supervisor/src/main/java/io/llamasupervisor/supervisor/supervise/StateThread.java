package io.llamasupervisor.supervisor.supervise;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's state thread: the only thread that reads or changes models and instances. Events
 * are {@link #post posted} to it; callers that need an answer {@link #call} it and wait.
 */
final class StateThread {
  private static final Logger LOG = LoggerFactory.getLogger(FleetSupervisor.class);
  private static final long CALL_TIMEOUT_SECONDS = 30;

  private final ScheduledExecutorService executor;

  /** A state thread of its own (a daemon named {@code supervisor-state}). */
  StateThread() {
    this(Executors.newSingleThreadScheduledExecutor(daemon("supervisor-state")));
  }

  /**
   * A state thread on {@code executor}, which must run one task at a time (tests pass a manual
   * scheduler and advance its clock).
   */
  StateThread(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  /** Daemon threads named {@code name}. */
  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Runs {@code event} on the state thread; its failure is logged; dropped after shutdown. */
  void post(Runnable event) {
    if (executor.isShutdown()) {
      return;
    }
    try {
      executor.execute(guarded("event", event));
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  /** {@code task}, with any runtime exception logged (naming {@code what}) instead of thrown. */
  static Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.error("supervisor {} failed (it keeps running): {}", what, e.toString(), e);
      }
    };
  }

  /**
   * Runs {@code query} on the state thread and returns its answer, rethrowing its runtime
   * exception.
   *
   * @throws IllegalStateException when the state thread does not answer within 30 s
   */
  <T> T call(Supplier<T> query) {
    try {
      return CompletableFuture.supplyAsync(query, executor)
          .get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("supervisor did not answer: " + e, e);
    }
  }

  /**
   * Runs {@code task} once on the state thread after {@code delay}; a failure is logged with {@code
   * what} (e.g. the model concerned). Dropped after shutdown.
   */
  void schedule(String what, Runnable task, Duration delay) {
    try {
      executor.schedule(guarded(what, task), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  /**
   * Runs {@code task} on the state thread every {@code period}, the first time after one. A tick
   * that fails is logged with {@code what} and the timer keeps running.
   */
  void every(String what, Runnable task, Duration period) {
    long millis = period.toMillis();
    try {
      executor.scheduleWithFixedDelay(guarded(what, task), millis, millis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  /** Drops queued events and timers; later posts are ignored. */
  void shutdown() {
    executor.shutdownNow();
  }
}
