package io.llamasupervisor.health.testing;

import io.llamasupervisor.health.HealthProbe;
import io.llamasupervisor.health.ProbeResult;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A scripted {@link HealthProbe} that records every call. Each call takes the next scripted answer,
 * or the fallback when the script is empty:
 *
 * <ul>
 *   <li>{@link #answer(ProbeResult...)}: completes at once with the given result;
 *   <li>{@link #timeOut()}: completes with {@link ProbeResult#timedOut} when the call's timeout
 *       passes on the given scheduler, as a real probe against a hung server does;
 *   <li>{@link #hang()}: never completes on its own; the test completes it via {@link #inFlight()}.
 * </ul>
 *
 * Thread-safe.
 */
public final class FakeHealthProbe implements HealthProbe {
  /** One recorded call. */
  public record Call(Instant at, URI base, Duration timeout) {}

  private enum Kind {
    ANSWER,
    TIME_OUT,
    HANG
  }

  private record Step(Kind kind, ProbeResult result) {}

  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Deque<Step> script = new ArrayDeque<>();
  private final List<Call> calls = new ArrayList<>();
  private final List<CompletableFuture<ProbeResult>> hanging = new ArrayList<>();
  private Step fallback;

  /**
   * @param scheduler used for {@link #timeOut()} answers (give the test's {@link
   *     io.llamasupervisor.testing.ManualScheduler})
   */
  public FakeHealthProbe(Clock clock, ScheduledExecutorService scheduler, ProbeResult fallback) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.fallback = new Step(Kind.ANSWER, Objects.requireNonNull(fallback, "fallback"));
  }

  /** Queues immediate answers. */
  public synchronized FakeHealthProbe answer(ProbeResult... results) {
    for (ProbeResult r : results) {
      script.addLast(new Step(Kind.ANSWER, Objects.requireNonNull(r)));
    }
    return this;
  }

  /** Queues one answer that arrives only when the call's timeout passes. */
  public synchronized FakeHealthProbe timeOut() {
    script.addLast(new Step(Kind.TIME_OUT, null));
    return this;
  }

  /** Queues one answer that never comes unless the test completes it. */
  public synchronized FakeHealthProbe hang() {
    script.addLast(new Step(Kind.HANG, null));
    return this;
  }

  /** From now on, answer {@code result} whenever the script is empty. */
  public synchronized FakeHealthProbe otherwise(ProbeResult result) {
    fallback = new Step(Kind.ANSWER, Objects.requireNonNull(result));
    return this;
  }

  /** From now on, time out whenever the script is empty. */
  public synchronized FakeHealthProbe otherwiseTimeOut() {
    fallback = new Step(Kind.TIME_OUT, null);
    return this;
  }

  /** All calls so far, in order. */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The instants of all calls so far. */
  public synchronized List<Instant> callTimes() {
    return calls.stream().map(Call::at).toList();
  }

  /** Futures handed out by {@link #hang()} steps that are not complete yet. */
  public synchronized List<CompletableFuture<ProbeResult>> inFlight() {
    hanging.removeIf(CompletableFuture::isDone);
    return List.copyOf(hanging);
  }

  @Override
  public CompletableFuture<ProbeResult> probe(URI base, Duration timeout) {
    Step step;
    synchronized (this) {
      calls.add(new Call(clock.instant(), base, timeout));
      step = script.isEmpty() ? fallback : script.removeFirst();
    }
    switch (step.kind()) {
      case ANSWER:
        return CompletableFuture.completedFuture(step.result());
      case TIME_OUT:
        {
          CompletableFuture<ProbeResult> f = new CompletableFuture<>();
          scheduler.schedule(
              () -> f.complete(ProbeResult.timedOut(timeout)),
              timeout.toNanos(),
              TimeUnit.NANOSECONDS);
          return f;
        }
      default:
        {
          CompletableFuture<ProbeResult> f = new CompletableFuture<>();
          synchronized (this) {
            hanging.add(f);
          }
          return f;
        }
    }
  }
}
