package io.llamasupervisor.cache;

import java.time.Duration;

/**
 * The backend time one lookup may spend, across all the commands it sends (the exact get, the sync
 * of a scope, the gets of semantic candidates): each command waits at most what is left, and the
 * first failure — a timeout, an error, no connection, the backend skipped after a recent failure —
 * ends the lookup's use of the backend, so that the lookup is a miss and not a second wait.
 *
 * <p>One lookup, one thread: not thread-safe.
 */
final class BackendBudget {
  private long remainingNanos;
  private boolean failed;

  private BackendBudget(long nanos) {
    this.remainingNanos = nanos;
  }

  /** A budget of {@code total} backend time. */
  static BackendBudget of(Duration total) {
    return new BackendBudget(total.toNanos());
  }

  /** A budget without a bound (a store in memory never waits). */
  static BackendBudget unbounded() {
    return new BackendBudget(Long.MAX_VALUE);
  }

  /** What is left; zero or less when spent. */
  long remainingNanos() {
    return remainingNanos;
  }

  /** Counts {@code nanos} spent waiting on the backend. */
  void spend(long nanos) {
    remainingNanos -= Math.max(0, nanos);
  }

  /** Records that the backend failed this lookup; it sends no further command. */
  void fail() {
    failed = true;
  }

  /**
   * Whether the backend failed this lookup; then an absent answer says nothing about the entry (it
   * is not expired, its vector stays).
   */
  boolean failed() {
    return failed;
  }
}
