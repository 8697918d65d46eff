package io.llamasupervisor.process;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ManagedProcess} behind {@link DefaultProcessLauncher}: a {@link Leader}, its {@link
 * LogTailer} and, once stopping, one {@link Termination}. Tailing and exit handling run on the
 * launcher's scheduler; futures handed to callers complete on the launcher's event executor, so
 * slow callbacks never delay log tailing.
 */
final class DefaultManagedProcess implements ManagedProcess {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultManagedProcess.class);

  private final String id;
  private final Leader leader;
  private volatile long pgid;
  private final ProcessIdentity identity;
  private final Instant startInstant;
  private final List<String> argv;
  private final boolean adopted;
  private final LogTailer tailer;
  private final ProcFs proc;
  private final GroupSignal signaller;
  private final ScheduledExecutorService scheduler;
  private final Executor events;
  private final CompletableFuture<ExitStatus> exited = new CompletableFuture<>();
  private volatile ScheduledFuture<?> tailing;
  private Termination termination;
  private CompletableFuture<ExitStatus> stopped;

  DefaultManagedProcess(
      String id,
      Leader leader,
      long pgid,
      ProcessIdentity identity,
      Instant startInstant,
      List<String> argv,
      boolean adopted,
      LogTailer tailer,
      ProcFs proc,
      GroupSignal signaller,
      ScheduledExecutorService scheduler,
      Executor events) {
    this.id = id;
    this.leader = leader;
    this.pgid = pgid;
    this.identity = identity;
    this.startInstant = startInstant;
    this.argv = List.copyOf(argv);
    this.adopted = adopted;
    this.tailer = tailer;
    this.proc = proc;
    this.signaller = signaller;
    this.scheduler = scheduler;
    this.events = events;
  }

  /**
   * Starts tailing and exit handling; called once by the launcher. The log file is read every
   * {@code pollInterval} while output arrives; each read that finds nothing doubles the delay, up
   * to {@link #IDLE_POLL_MAX} (or {@code pollInterval} when that is longer), so an idle process
   * costs about one read a second. Idle reads fall on a grid of that period shared by every process
   * of the launcher ({@link #onGrid}), so the reads of all idle files take one wake-up of the
   * scheduler instead of one each. {@link ProcessLog#lastLines} reads the file first, so a reader
   * never sees older output for it.
   */
  void begin(Duration pollInterval) {
    long base = pollInterval.toNanos();
    tail(base, Math.max(base, IDLE_POLL_MAX.toNanos()), base);
    leader.exit().whenCompleteAsync((status, error) -> leaderExited(status, error), scheduler);
  }

  /** Upper bound of the delay between two reads of an idle log file. */
  static final Duration IDLE_POLL_MAX = Duration.ofSeconds(1);

  private void tail(long base, long max, long delay) {
    try {
      tailing =
          scheduler.schedule(
              () -> {
                long before = tailer.bytesRead();
                try {
                  tailer.poll();
                } catch (RuntimeException e) {
                  LOG.warn("[{}] reading the log file failed; retrying", id, e);
                }
                boolean idle = tailer.bytesRead() == before;
                if (!tailer.isClosed()) {
                  tail(base, max, idle ? Math.min(max, delay * 2) : base);
                }
              },
              delay >= max ? onGrid(System.nanoTime(), max) : delay,
              TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the launcher is closed: tailing ends with it
    }
  }

  /**
   * The wait from {@code now} until the next point of the grid of {@code period} (multiples of it
   * on the {@link System#nanoTime} scale): more than zero and at most one period, so an idle file
   * is never read less often than without the grid; once on the grid, reads are one period apart.
   */
  static long onGrid(long now, long period) {
    return period - Math.floorMod(now, period);
  }

  private void leaderExited(ExitStatus status, Throwable error) {
    tailer.drain();
    if (error != null) {
      LOG.warn("[{}] cannot read the exit of pid {}", id, leader.pid(), error);
      status = ExitStatus.unknown();
    }
    LOG.info("[{}] pid {} {}", id, leader.pid(), status.describe());
    ExitStatus result = status;
    events.execute(() -> exited.complete(result));
    synchronized (this) {
      if (termination != null) {
        return;
      }
      List<ProcFs.Stat> left = pgid > 0 ? proc.runningGroupMembers(pgid) : List.of();
      if (left.isEmpty()) {
        pgid = -1; // released: the number may be reused by an unrelated session from now on
        closeTailer();
        return;
      }
      LOG.warn(
          "[{}] leader pid {} exited but {} processes of its group are still running; stopping them",
          id,
          leader.pid(),
          left.size());
      startTermination(ProcessLauncher.ORPHAN_GRACE);
    }
  }

  @Override
  public synchronized CompletableFuture<ExitStatus> stop(Duration grace) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative, got " + grace);
    }
    if (stopped == null) {
      startTermination(grace);
    }
    return stopped;
  }

  @Override
  public synchronized CompletableFuture<ExitStatus> kill() {
    if (stopped == null) {
      startTermination(Duration.ZERO);
    } else {
      try {
        termination.escalateNow();
      } catch (RejectedExecutionException e) {
        // launcher closed: the stop future has already failed or will never be driven
      }
    }
    return stopped;
  }

  private void startTermination(Duration grace) {
    termination =
        new Termination(id, leader, pgid, proc, signaller, scheduler, Termination.KILL_WAIT);
    stopped =
        termination
            .finished()
            .thenCompose(done -> exited)
            .whenComplete((status, error) -> closeTailer())
            .thenApplyAsync(Function.identity(), events);
    try {
      termination.begin(grace);
    } catch (RejectedExecutionException e) {
      stopped =
          CompletableFuture.failedFuture(
              new IllegalStateException(
                  "the launcher of " + this + " is closed; attach the process to a new one"));
    }
  }

  private void closeTailer() {
    if (tailing != null) {
      tailing.cancel(false);
    }
    tailer.close();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public long pid() {
    return leader.pid();
  }

  @Override
  public ProcessIdentity identity() {
    return identity;
  }

  @Override
  public Instant startInstant() {
    return startInstant;
  }

  @Override
  public List<String> argv() {
    return argv;
  }

  @Override
  public ProcessLog logs() {
    return tailer;
  }

  @Override
  public boolean isAlive() {
    return leader.isAlive();
  }

  @Override
  public boolean adopted() {
    return adopted;
  }

  @Override
  public CompletableFuture<ExitStatus> onExit() {
    return exited.copy();
  }

  @Override
  public String toString() {
    return "ManagedProcess[" + id + ", pid " + leader.pid() + (adopted ? ", adopted]" : "]");
  }
}
