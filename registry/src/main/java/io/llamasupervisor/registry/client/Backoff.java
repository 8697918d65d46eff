package io.llamasupervisor.registry.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": the n-th consecutive failure waits a random time in
 * {@code [d/2, d]} where {@code d = min(max, initial * 2^(n-1))}. The jitter keeps a fleet of
 * clients from reconnecting in lockstep after a registry restart, and the nodes of a cluster from
 * reconnecting to a recovering etcd in lockstep.
 */
public final class Backoff {
  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier random;

  /**
   * @param random yields values in {@code [0, 1)}
   * @throws IllegalArgumentException unless {@code 0 < initial <= max}
   */
  public Backoff(Duration initial, Duration max, DoubleSupplier random) {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "maximum backoff " + max + " is below the initial backoff " + initial);
    }
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /**
   * The delay before retrying after {@code failures} consecutive failures.
   *
   * @throws IllegalArgumentException if {@code failures} is below 1
   */
  public Duration delay(int failures) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be at least 1, was " + failures);
    }
    long ceiling = initial.toMillis();
    for (int i = 1; i < failures && ceiling < max.toMillis(); i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, max.toMillis());
    long half = ceiling / 2;
    return Duration.ofMillis(half + (long) (random.getAsDouble() * (ceiling - half + 1)));
  }
}
