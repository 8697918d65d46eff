package io.llamasupervisor.health;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Startup gate: waits until an instance's {@code /health} returns 200, the process exits, the
 * deadline passes or the caller cancels, whichever comes first, and reports it as a {@link
 * ReadinessResult}.
 *
 * <p>Each pass asks, in order: cancelled? exited? past the deadline? and only then probes. The
 * first pass runs at once in {@link #start}; after a probe that is not ready the next pass starts
 * the {@link PollSchedule} delay (default 50, 75, 112, 168, 252, 378, then every 500 ms) after the
 * previous probe <i>started</i>, or at once if that probe took longer; probes never overlap. Each
 * probe is given {@code min(probeTimeout, time left)}.
 *
 * <ul>
 *   <li><b>Exit</b>: when the caller's {@code exited} future completes (normally or not), the wait
 *       ends <i>at once</i> with {@link ReadinessResult.Exited}, also while a probe is in flight;
 *       no further probe is made.
 *   <li><b>Deadline</b>: a timer set at the start ends the wait at {@code start + timeout} with
 *       {@link ReadinessResult.TimedOut}, even if a probe hangs. No probe starts at or after the
 *       deadline.
 *   <li><b>Cancel</b>: {@link Waiting#cancel()} ends the wait with {@link
 *       ReadinessResult.Cancelled}; cancelling the result future stops polling as well.
 * </ul>
 *
 * <p>When the wait ends, its pending timers are cancelled; it creates no threads of its own. Time
 * comes only from the injected {@link Clock} and delays only from the injected scheduler, so tests
 * can drive both. (With a real {@code ScheduledThreadPoolExecutor}, set {@code
 * setRemoveOnCancelPolicy(true)} if cancelled timers should leave its queue at once.)
 */
public final class ReadinessWait {
  /** Default bound for one probe during startup. */
  public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(ReadinessWait.class);

  private final HealthProbe probe;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final PollSchedule schedule;
  private final Duration probeTimeout;

  /** A wait with the {@link PollSchedule#DEFAULT} schedule and {@link #DEFAULT_PROBE_TIMEOUT}. */
  public ReadinessWait(HealthProbe probe, Clock clock, ScheduledExecutorService scheduler) {
    this(probe, clock, scheduler, PollSchedule.DEFAULT, DEFAULT_PROBE_TIMEOUT);
  }

  public ReadinessWait(
      HealthProbe probe,
      Clock clock,
      ScheduledExecutorService scheduler,
      PollSchedule schedule,
      Duration probeTimeout) {
    this.probe = Objects.requireNonNull(probe, "probe");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.schedule = Objects.requireNonNull(schedule, "schedule");
    HttpHealthProbe.requirePositive(probeTimeout);
    this.probeTimeout = probeTimeout;
  }

  /**
   * Starts waiting for the instance at {@code base}; the first probe is made before this returns.
   *
   * @param timeout the startup deadline, measured from now (e.g. scaled by the model's size)
   * @param exited completes when the process exits; its value (or exception) becomes {@link
   *     ReadinessResult.Exited#exitInfo()}. Pass a future that never completes if there is none.
   */
  public Waiting start(URI base, Duration timeout, CompletableFuture<?> exited) {
    Objects.requireNonNull(base, "base");
    HttpHealthProbe.requirePositive(timeout);
    Objects.requireNonNull(exited, "exited");
    Waiting w = new Waiting(base, timeout, exited, clock.instant());
    w.begin();
    return w;
  }

  /** One running wait. Thread-safe. */
  public final class Waiting {
    private final URI base;
    private final Duration timeout;
    private final CompletableFuture<?> exited;
    private final Instant startedAt;
    private final Instant deadline;
    private final CompletableFuture<ReadinessResult> result = new CompletableFuture<>();
    private final Object lock = new Object();

    // guarded by lock
    private ScheduledFuture<?> nextPass;
    private ScheduledFuture<?> deadlineTimer;
    private boolean probeInFlight;
    private Instant probeStartedAt;
    private int probes;
    private ProbeResult last;

    private Waiting(URI base, Duration timeout, CompletableFuture<?> exited, Instant startedAt) {
      this.base = base;
      this.timeout = timeout;
      this.exited = exited;
      this.startedAt = startedAt;
      this.deadline = startedAt.plus(timeout);
    }

    /** Completes once with the outcome; never exceptionally (unless the caller cancels it). */
    public CompletableFuture<ReadinessResult> result() {
      return result;
    }

    /** Ends the wait with {@link ReadinessResult.Cancelled}; no-op when it has already ended. */
    public void cancel() {
      finish(new ReadinessResult.Cancelled(elapsed()));
    }

    /** Number of probes started so far. */
    public int probes() {
      synchronized (lock) {
        return probes;
      }
    }

    /** The last completed probe's result, if any. */
    public Optional<ProbeResult> lastResult() {
      synchronized (lock) {
        return Optional.ofNullable(last);
      }
    }

    private void begin() {
      result.whenComplete((r, e) -> cancelTimers());
      exited.whenComplete((info, error) -> finish(exitedResult(info, error)));
      synchronized (lock) {
        if (result.isDone()) {
          return; // already exited
        }
        deadlineTimer =
            scheduler.schedule(this::onDeadline, timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      pass();
    }

    private void pass() {
      ReadinessResult outcome = null;
      Duration probeFor = null;
      synchronized (lock) {
        nextPass = null;
        if (result.isDone() || probeInFlight) {
          return;
        }
        Instant now = clock.instant();
        if (exited.isDone()) {
          outcome = exitedNow();
        } else if (!now.isBefore(deadline)) {
          outcome = timedOut();
        } else {
          Duration left = Duration.between(now, deadline);
          probeFor = left.compareTo(probeTimeout) < 0 ? left : probeTimeout;
          probeInFlight = true;
          probeStartedAt = now;
          probes++;
        }
      }
      if (outcome != null) {
        finish(outcome);
        return;
      }
      CompletableFuture<ProbeResult> answer;
      try {
        answer = probe.probe(base, probeFor);
      } catch (RuntimeException e) {
        answer = CompletableFuture.completedFuture(ProbeResult.probeError(e));
      }
      answer.whenComplete(this::onProbe);
    }

    private void onProbe(ProbeResult r, Throwable error) {
      ProbeResult res =
          error != null
              ? ProbeResult.probeError(error)
              : r != null ? r : ProbeResult.probeError(new NullPointerException("null result"));
      synchronized (lock) {
        probeInFlight = false;
        last = res;
        if (result.isDone()) {
          return;
        }
        log.debug("{} probe {}: {}", base, probes, res);
        if (!res.isReady()) {
          Instant nextAt = probeStartedAt.plus(schedule.delayAfter(probes));
          if (nextAt.isBefore(deadline)) {
            long delayNanos = Math.max(0, Duration.between(clock.instant(), nextAt).toNanos());
            nextPass = scheduler.schedule(this::pass, delayNanos, TimeUnit.NANOSECONDS);
          } // else the deadline timer ends the wait
          return;
        }
      }
      // an exit already signalled wins over a 200 that raced with it
      finish(exited.isDone() ? exitedNow() : new ReadinessResult.Ready(elapsed()));
    }

    private void onDeadline() {
      ReadinessResult outcome;
      synchronized (lock) {
        deadlineTimer = null;
        outcome = timedOut();
      }
      finish(outcome);
    }

    private ReadinessResult.TimedOut timedOut() {
      String lastText = last == null ? "no answer yet" : last.message();
      return new ReadinessResult.TimedOut(
          Optional.ofNullable(last),
          HttpHealthProbe.PATH
              + " should return HTTP 200 within "
              + timeout
              + "; last: "
              + lastText,
          elapsed());
    }

    private ReadinessResult.Exited exitedResult(Object info, Throwable error) {
      return new ReadinessResult.Exited(error != null ? error : info, elapsed());
    }

    /** The result for an {@code exited} future that is done, normally or not. */
    private ReadinessResult.Exited exitedNow() {
      return exited.handle(this::exitedResult).join();
    }

    private Duration elapsed() {
      return Duration.between(startedAt, clock.instant());
    }

    private void finish(ReadinessResult outcome) {
      if (result.complete(outcome)) {
        log.debug("{} readiness: {} ({} probes)", base, outcome.message(), probes());
      }
    }

    private void cancelTimers() {
      synchronized (lock) {
        if (nextPass != null) {
          nextPass.cancel(false);
          nextPass = null;
        }
        if (deadlineTimer != null) {
          deadlineTimer.cancel(false);
          deadlineTimer = null;
        }
      }
    }
  }
}
