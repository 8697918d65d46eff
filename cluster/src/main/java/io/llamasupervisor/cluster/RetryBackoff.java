package io.llamasupervisor.cluster;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Capped exponential backoff with equal jitter: the n-th consecutive failure waits a random time in
 * {@code [d/2, d]}, {@code d = min(max, initial * 2^(n-1))}, so the nodes of a cluster do not
 * reconnect to a recovering etcd in lockstep.
 */
final class RetryBackoff {
  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier random;

  RetryBackoff(Duration initial, Duration max, DoubleSupplier random) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max, was initial=" + initial + " max=" + max);
    }
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** The delay after {@code failures} consecutive failures (at least 1). */
  Duration delay(int failures) {
    long ceiling = initial.toMillis();
    for (int i = 1; i < failures && ceiling < max.toMillis(); i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, max.toMillis());
    long half = ceiling / 2;
    return Duration.ofMillis(half + (long) (random.getAsDouble() * (ceiling - half + 1)));
  }
}
