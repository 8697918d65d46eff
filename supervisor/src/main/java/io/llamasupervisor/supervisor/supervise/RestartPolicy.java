package io.llamasupervisor.supervisor.supervise;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how often a failed model is started again. Immutable, from config.
 *
 * @param initialBackoff delay after the first failure (default 1 s)
 * @param maxBackoff cap of the doubling delay (default 5 min)
 * @param jitter fraction of random extra delay, 0..1 (default 0.1: up to +10 %)
 * @param stableAfter a run at least this long resets the failure count (default 10 min)
 * @param maxStartFailures more failures in a row than this mark the model failed (default 5)
 */
public record RestartPolicy(
    Duration initialBackoff,
    Duration maxBackoff,
    double jitter,
    Duration stableAfter,
    int maxStartFailures) {

  public static final RestartPolicy DEFAULT =
      new RestartPolicy(
          Duration.ofSeconds(1), Duration.ofMinutes(5), 0.1, Duration.ofMinutes(10), 5);

  public RestartPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(stableAfter, "stableAfter");
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initial-backoff must be positive, got " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "max-backoff ("
              + maxBackoff
              + ") must be at least initial-backoff ("
              + initialBackoff
              + ")");
    }
    if (jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("jitter must be within 0..1, got " + jitter);
    }
    if (maxStartFailures < 0) {
      throw new IllegalArgumentException(
          "max-start-failures must not be negative, got " + maxStartFailures);
    }
  }

  /** The delay before attempt {@code failures + 1}, without jitter: initial × 2^(failures-1). */
  public Duration backoff(int failures) {
    if (failures <= 1) {
      return initialBackoff;
    }
    int shift = Math.min(failures - 1, 40);
    long millis = initialBackoff.toMillis();
    long max = maxBackoff.toMillis();
    return Duration.ofMillis(millis > (max >> shift) ? max : Math.min(max, millis << shift));
  }
}
