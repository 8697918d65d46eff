package io.llamasupervisor.health;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a ready instance and reports, at most once, that it has become unhealthy.
 *
 * <p>After {@link #start}, {@code /health} is probed every {@link LivenessPolicy#interval()} (first
 * probe one interval after the start; the next one interval after the previous one <i>started</i>,
 * or at once if that probe took longer), each bounded by {@link LivenessPolicy#timeout()}, so a
 * hung server (SIGSTOP, or accepting TCP but never answering) counts as a miss. Anything but {@link
 * HealthStatus#READY} is a miss; a success resets the count. {@link LivenessPolicy#threshold()}
 * consecutive misses end monitoring with one {@link ProbeReason#UNHEALTHY} event.
 *
 * <p>With the canary on, a one-token completion (see {@link HttpCanaryProbe}) runs every {@link
 * LivenessPolicy#canaryInterval()}; a single failed canary ends monitoring with one {@link
 * ProbeReason#CANARY_FAILED} event. It catches a server whose {@code /health} is 200 while
 * completions fail.
 *
 * <p>States: {@code NEW -> RUNNING -> UNHEALTHY | STOPPED}, {@code UNHEALTHY -> STOPPED}. The
 * listener is called once, on the thread that completed the deciding probe, after monitoring has
 * stopped. {@link #stop()} is idempotent, cancels all timers, and results of probes still in flight
 * are then ignored. The monitor creates no threads; it uses the injected scheduler and clock.
 * Thread-safe.
 */
public final class LivenessMonitor {
  /** Lifecycle of a monitor, with its allowed transitions. */
  public enum State {
    NEW,
    RUNNING,
    UNHEALTHY,
    STOPPED;

    private static final Map<State, Set<State>> ALLOWED =
        Map.of(
            NEW, Set.of(RUNNING, STOPPED),
            RUNNING, Set.of(UNHEALTHY, STOPPED),
            UNHEALTHY, Set.of(STOPPED),
            STOPPED, Set.of());

    /** True when a monitor in this state may move to {@code next}. */
    public boolean canMoveTo(State next) {
      return ALLOWED.get(this).contains(next);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(LivenessMonitor.class);

  private final URI base;
  private final LivenessPolicy policy;
  private final HealthProbe health;
  private final HealthProbe canary;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();

  // guarded by lock
  private State state = State.NEW;
  private Consumer<UnhealthyEvent> listener;
  private ScheduledFuture<?> healthTimer;
  private ScheduledFuture<?> canaryTimer;
  private int misses;
  private final Deque<ProbeResult> recentMisses = new ArrayDeque<>();
  private ProbeResult last;

  /** A monitor without canary; {@code policy} must have the canary off. */
  public LivenessMonitor(
      URI base,
      LivenessPolicy policy,
      HealthProbe health,
      Clock clock,
      ScheduledExecutorService scheduler) {
    this(base, policy, health, null, clock, scheduler);
  }

  /**
   * A monitor; {@code canary} (e.g. an {@link HttpCanaryProbe}) is required when {@code policy}
   * turns the canary on, and ignored otherwise.
   */
  public LivenessMonitor(
      URI base,
      LivenessPolicy policy,
      HealthProbe health,
      HealthProbe canary,
      Clock clock,
      ScheduledExecutorService scheduler) {
    this.base = Objects.requireNonNull(base, "base");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.health = Objects.requireNonNull(health, "health");
    if (policy.canaryEnabled() && canary == null) {
      throw new IllegalArgumentException(
          "the policy turns the canary on but no canary probe given");
    }
    this.canary = policy.canaryEnabled() ? canary : null;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  /**
   * Starts monitoring; {@code onUnhealthy} receives at most one event.
   *
   * @throws IllegalStateException when already started or stopped
   */
  public void start(Consumer<UnhealthyEvent> onUnhealthy) {
    Objects.requireNonNull(onUnhealthy, "onUnhealthy");
    synchronized (lock) {
      moveTo(State.RUNNING);
      listener = onUnhealthy;
      healthTimer = schedule(this::healthTick, policy.interval());
      if (canary != null) {
        canaryTimer = schedule(this::canaryTick, policy.canaryInterval());
      }
    }
  }

  /** Stops monitoring; idempotent, also after an unhealthy event. */
  public void stop() {
    synchronized (lock) {
      if (state != State.STOPPED) {
        moveTo(State.STOPPED);
        cancelTimers();
      }
    }
  }

  public State state() {
    synchronized (lock) {
      return state;
    }
  }

  /** Current number of consecutive {@code /health} misses. */
  public int consecutiveMisses() {
    synchronized (lock) {
      return misses;
    }
  }

  /** The last {@code /health} result, if any. */
  public Optional<ProbeResult> lastResult() {
    synchronized (lock) {
      return Optional.ofNullable(last);
    }
  }

  private void healthTick() {
    Instant tickStart;
    synchronized (lock) {
      healthTimer = null;
      if (state != State.RUNNING) {
        return;
      }
      tickStart = clock.instant();
    }
    ask(health, policy.timeout()).whenComplete((r, e) -> onHealth(tickStart, result(r, e)));
  }

  private void onHealth(Instant tickStart, ProbeResult res) {
    UnhealthyEvent event = null;
    synchronized (lock) {
      if (state != State.RUNNING) {
        return;
      }
      last = res;
      if (res.isReady()) {
        if (misses > 0) {
          log.info("{} /health recovered after {} miss(es): {}", base, misses, res);
        }
        misses = 0;
        recentMisses.clear();
      } else {
        misses++;
        recentMisses.addLast(res);
        while (recentMisses.size() > policy.threshold()) {
          recentMisses.removeFirst();
        }
        log.warn("{} /health miss {}/{}: {}", base, misses, policy.threshold(), res);
        if (misses >= policy.threshold()) {
          event = unhealthy(ProbeReason.UNHEALTHY, missesMessage(), List.copyOf(recentMisses));
        }
      }
      if (event == null) {
        healthTimer = schedule(this::healthTick, untilNext(tickStart, policy.interval()));
      }
    }
    if (event != null) {
      notifyListener(event);
    }
  }

  private void canaryTick() {
    Instant tickStart;
    synchronized (lock) {
      canaryTimer = null;
      if (state != State.RUNNING) {
        return;
      }
      tickStart = clock.instant();
    }
    ask(canary, policy.canaryTimeout()).whenComplete((r, e) -> onCanary(tickStart, result(r, e)));
  }

  private void onCanary(Instant tickStart, ProbeResult res) {
    UnhealthyEvent event = null;
    synchronized (lock) {
      if (state != State.RUNNING) {
        return;
      }
      if (res.isReady()) {
        log.debug("{} canary ok: {}", base, res);
        canaryTimer = schedule(this::canaryTick, untilNext(tickStart, policy.canaryInterval()));
      } else {
        event =
            unhealthy(
                ProbeReason.CANARY_FAILED,
                ProbeReason.CANARY_FAILED + ": " + res.message(),
                List.of(res));
      }
    }
    if (event != null) {
      notifyListener(event);
    }
  }

  /** Moves to UNHEALTHY and stops the timers; call with the lock held. */
  private UnhealthyEvent unhealthy(ProbeReason reason, String message, List<ProbeResult> failures) {
    moveTo(State.UNHEALTHY);
    cancelTimers();
    log.warn("{} {}", base, message);
    return new UnhealthyEvent(reason, message, failures, clock.instant());
  }

  private String missesMessage() {
    StringBuilder sb =
        new StringBuilder()
            .append(ProbeReason.UNHEALTHY)
            .append(": ")
            .append(misses)
            .append(" consecutive ")
            .append(HttpHealthProbe.PATH)
            .append(" misses: ");
    String sep = "";
    for (ProbeResult r : recentMisses) {
      sb.append(sep).append(r.message());
      sep = "; ";
    }
    return sb.toString();
  }

  private void notifyListener(UnhealthyEvent event) {
    Consumer<UnhealthyEvent> l;
    synchronized (lock) {
      l = listener;
    }
    try {
      l.accept(event);
    } catch (RuntimeException e) {
      log.error("{} unhealthy listener failed", base, e);
    }
  }

  private CompletableFuture<ProbeResult> ask(HealthProbe p, Duration timeout) {
    try {
      return p.probe(base, timeout);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(ProbeResult.probeError(e));
    }
  }

  private static ProbeResult result(ProbeResult r, Throwable error) {
    if (error != null) {
      return ProbeResult.probeError(error);
    }
    return r != null ? r : ProbeResult.probeError(new NullPointerException("null result"));
  }

  private Duration untilNext(Instant tickStart, Duration every) {
    Duration left = Duration.between(clock.instant(), tickStart.plus(every));
    return left.isNegative() ? Duration.ZERO : left;
  }

  private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void moveTo(State next) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException(
          "liveness monitor for " + base + " is " + state + ", cannot become " + next);
    }
    state = next;
  }

  private void cancelTimers() {
    if (healthTimer != null) {
      healthTimer.cancel(false);
      healthTimer = null;
    }
    if (canaryTimer != null) {
      canaryTimer.cancel(false);
      canaryTimer = null;
    }
  }
}
