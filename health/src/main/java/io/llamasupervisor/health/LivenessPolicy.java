package io.llamasupervisor.health;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link LivenessMonitor} watches a ready instance.
 *
 * @param interval time between the starts of two {@code /health} probes (default 5 s)
 * @param timeout bound of one {@code /health} probe; a hung server counts as a miss after it
 *     (default 2 s, at most {@code interval})
 * @param threshold consecutive misses that make the instance unhealthy (default 3)
 * @param canaryInterval time between one-token completion canaries; {@link Duration#ZERO} turns the
 *     canary off (the default)
 * @param canaryTimeout bound of one canary request (default 30 s). A canary waits for a free slot
 *     like any request, so on a server whose slots can all be busy for long this must exceed the
 *     longest expected wait, or the canary will report a busy server as failed.
 */
public record LivenessPolicy(
    Duration interval,
    Duration timeout,
    int threshold,
    Duration canaryInterval,
    Duration canaryTimeout) {

  /** 5 s interval, 2 s timeout, 3 misses, canary off (30 s canary timeout when turned on). */
  public static final LivenessPolicy DEFAULT =
      new LivenessPolicy(
          Duration.ofSeconds(5), Duration.ofSeconds(2), 3, Duration.ZERO, Duration.ofSeconds(30));

  public LivenessPolicy {
    HttpHealthProbe.requirePositive(interval);
    HttpHealthProbe.requirePositive(timeout);
    HttpHealthProbe.requirePositive(canaryTimeout);
    Objects.requireNonNull(canaryInterval, "canaryInterval");
    if (timeout.compareTo(interval) > 0) {
      throw new IllegalArgumentException(
          "timeout " + timeout + " must not exceed interval " + interval);
    }
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be at least 1: " + threshold);
    }
    if (canaryInterval.isNegative()) {
      throw new IllegalArgumentException("canaryInterval must not be negative: " + canaryInterval);
    }
    if (canaryEnabledFor(canaryInterval) && canaryTimeout.compareTo(canaryInterval) > 0) {
      throw new IllegalArgumentException(
          "canaryTimeout " + canaryTimeout + " must not exceed canaryInterval " + canaryInterval);
    }
  }

  /** True when the completion canary runs. */
  public boolean canaryEnabled() {
    return canaryEnabledFor(canaryInterval);
  }

  /** This policy with the canary every {@code every} (ZERO = off). */
  public LivenessPolicy withCanary(Duration every) {
    return new LivenessPolicy(interval, timeout, threshold, every, canaryTimeout);
  }

  private static boolean canaryEnabledFor(Duration canaryInterval) {
    return !canaryInterval.isZero();
  }
}
