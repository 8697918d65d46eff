package io.llamasupervisor.gateway;

import java.time.Duration;

/**
 * When a backend is taken out of rotation: after {@code failures} transport failures in a row
 * (connection refused or reset before any response byte) it is ejected for {@code base}, doubling
 * with each ejection that follows without a success in between, at most {@code max}.
 */
public record EjectionPolicy(int failures, Duration base, Duration max) {
  /** 5 failures in a row; 30 s, doubling, at most 5 min. */
  public static final EjectionPolicy DEFAULT =
      new EjectionPolicy(5, Duration.ofSeconds(30), Duration.ofMinutes(5));

  public EjectionPolicy {
    if (failures < 1) {
      throw new IllegalArgumentException("ejection failures must be at least 1, was " + failures);
    }
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "ejection times must satisfy 0 < base <= max, were base=" + base + " max=" + max);
    }
  }

  /** How long the {@code n}-th ejection in a row (1-based) lasts. */
  public Duration duration(int n) {
    Duration d = base;
    for (int i = 1; i < n && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
