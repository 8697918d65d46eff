package io.llamasupervisor.process;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees the exits of adopted leaders. They are not our children, so no {@code waitpid} reports them
 * (and the JDK's own polling of a non-child backs off to 5 s): {@code /proc} is read every {@code
 * interval}, by one timer for all of them, which runs only while at least one is watched. An exit
 * is seen at most one interval after it happened; its status is unknown.
 *
 * <p>Thread-safe. A failing check is logged and the timer keeps running.
 */
final class AdoptedExits {
  private static final Logger LOG = LoggerFactory.getLogger(AdoptedExits.class);

  private record Watched(long pid, long startTicks) {}

  private final ProcFs proc;
  private final ScheduledExecutorService scheduler;
  private final Duration interval;
  private final Map<Watched, CompletableFuture<ExitStatus>> watched = new ConcurrentHashMap<>();
  private ScheduledFuture<?> timer; // guarded by this

  AdoptedExits(ProcFs proc, ScheduledExecutorService scheduler, Duration interval) {
    this.proc = proc;
    this.scheduler = scheduler;
    this.interval = interval;
  }

  /**
   * Completes once process {@code pid} that started at {@code startTicks} is gone (or the pid
   * belongs to another process); completes at once when it is already gone.
   */
  CompletableFuture<ExitStatus> watch(long pid, long startTicks) {
    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    if (!proc.isRunning(pid, startTicks)) {
      exit.complete(ExitStatus.unknown());
      return exit;
    }
    watched.put(new Watched(pid, startTicks), exit);
    synchronized (this) {
      if (timer == null) {
        try {
          long nanos = interval.toNanos();
          timer = scheduler.scheduleWithFixedDelay(this::check, nanos, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          // the launcher is closed: nothing is watched any more
        }
      }
    }
    return exit;
  }

  /** How many processes are watched (for tests). */
  int size() {
    return watched.size();
  }

  private void check() {
    try {
      watched
          .entrySet()
          .removeIf(
              e -> {
                Watched w = e.getKey();
                if (proc.isRunning(w.pid(), w.startTicks())) {
                  return false;
                }
                e.getValue().complete(ExitStatus.unknown());
                return true;
              });
    } catch (RuntimeException e) {
      LOG.warn("checking adopted processes failed; retrying", e);
    }
    synchronized (this) {
      if (watched.isEmpty() && timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }
  }
}
