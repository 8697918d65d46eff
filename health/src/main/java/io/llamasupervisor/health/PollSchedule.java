package io.llamasupervisor.health;

import java.time.Duration;
import java.util.Objects;

/**
 * Delays between readiness probes: start at {@code initial}, multiply by {@code factor} after each
 * probe, never exceed {@code max}. Delays are whole milliseconds, each rounded down. A {@code
 * quick} delay below {@code initial} ({@link #withQuickStart}) splits the first delay into steps of
 * {@code quick}, the last one shorter if needed; every later probe is where it was without it.
 *
 * <p>{@link #DEFAULT} is 50 ms, x1.5, capped at 500 ms: <b>50, 75, 112, 168, 252, 378, 500, 500,
 * ...</b> ms, i.e. probes at 0, 50, 125, 237, 405, 657, 1035, 1535, ... ms after the start. A small
 * model that loads in 10-60 ms is seen ready within 75 ms of it becoming ready; after about a
 * second the wait polls twice a second, which is cheap for a large model's multi-second load.
 */
public record PollSchedule(Duration initial, double factor, Duration max, Duration quick) {
  /** 50 ms, x1.5, capped at 500 ms. */
  public static final PollSchedule DEFAULT =
      new PollSchedule(Duration.ofMillis(50), 1.5, Duration.ofMillis(500));

  public PollSchedule {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    Objects.requireNonNull(quick, "quick");
    if (initial.toMillis() < 1) {
      throw new IllegalArgumentException("initial delay must be at least 1 ms: " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max " + max + " is below initial " + initial);
    }
    if (!(factor >= 1.0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be a finite number >= 1: " + factor);
    }
    if (quick.toMillis() < 1 || quick.compareTo(initial) > 0) {
      throw new IllegalArgumentException(
          "quick delay must be at least 1 ms and at most initial " + initial + ": " + quick);
    }
  }

  /** Without a quick start ({@code quick} = {@code initial}). */
  public PollSchedule(Duration initial, double factor, Duration max) {
    this(initial, factor, max, initial);
  }

  /**
   * This schedule with its first delay split into steps of {@code quick}: a process that becomes
   * ready before {@code initial} is seen at most {@code quick} later, for {@code initial / quick}
   * more probes; nothing is seen later than without it (every probe of this schedule stays).
   */
  public PollSchedule withQuickStart(Duration quick) {
    return new PollSchedule(initial, factor, max, quick);
  }

  /** The delay after the {@code probesDone}-th probe (1 = after the first probe). */
  public Duration delayAfter(int probesDone) {
    if (probesDone < 1) {
      throw new IllegalArgumentException("probesDone must be >= 1: " + probesDone);
    }
    long first = initial.toMillis();
    long step = quick.toMillis();
    long steps = (first + step - 1) / step - 1; // whole quick steps before the first delay ends
    if (probesDone <= steps) {
      return Duration.ofMillis(step);
    }
    if (probesDone == steps + 1) {
      return Duration.ofMillis(first - steps * step);
    }
    long cap = max.toMillis();
    long delay = first;
    for (long i = 1 + steps; i < probesDone && delay < cap; i++) {
      delay = (long) Math.floor(delay * factor);
    }
    return Duration.ofMillis(Math.min(delay, cap));
  }
}
