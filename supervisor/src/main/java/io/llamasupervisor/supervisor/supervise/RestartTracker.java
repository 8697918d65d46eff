package io.llamasupervisor.supervisor.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * Per-model failure count and backoff, driven by {@link RestartPolicy}. Not thread-safe: owned by
 * the supervisor's single state thread.
 */
public final class RestartTracker {
  private final RestartPolicy policy;
  private final DoubleSupplier random;
  private int failures;
  private Instant nextAttempt = Instant.MIN;

  /**
   * @param random uniform values in [0,1) for jitter; tests pass a constant
   */
  public RestartTracker(RestartPolicy policy, DoubleSupplier random) {
    this.policy = policy;
    this.random = random;
  }

  /**
   * Records a failure at {@code now} of an instance that had run for {@code ranFor} and decides. A
   * run of at least {@code stableAfter} resets the count first; a permanent failure gives up at
   * once.
   */
  public RestartDecision onFailure(
      Instant now, Duration ranFor, ReasonCode reason, boolean permanent) {
    if (ranFor.compareTo(policy.stableAfter()) >= 0) {
      failures = 0;
    }
    failures++;
    if (permanent) {
      nextAttempt = Instant.MAX;
      return new RestartDecision(false, Duration.ZERO, failures, reason);
    }
    if (failures > policy.maxStartFailures()) {
      nextAttempt = Instant.MAX;
      return new RestartDecision(false, Duration.ZERO, failures, ReasonCode.CRASH_LOOP);
    }
    Duration base = reason == ReasonCode.PORT_IN_USE ? Duration.ZERO : policy.backoff(failures);
    long extra = (long) (base.toMillis() * policy.jitter() * random.getAsDouble());
    Duration delay = base.plusMillis(extra);
    nextAttempt = now.plus(delay);
    return new RestartDecision(true, delay, failures, reason);
  }

  /** Forgets failures: an operator action or a changed file gives the model a fresh start. */
  public void reset() {
    failures = 0;
    nextAttempt = Instant.MIN;
  }

  /** The earliest time of the next automatic start; {@link Instant#MAX} after giving up. */
  public Instant nextAttempt() {
    return nextAttempt;
  }

  public boolean gaveUp() {
    return nextAttempt.equals(Instant.MAX);
  }

  public int failures() {
    return failures;
  }
}
