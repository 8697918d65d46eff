package io.llamasupervisor.testkit;

import java.util.EnumSet;
import java.util.Set;

/**
 * The fake server's lifecycle. Every change goes through {@link #canMoveTo}; exits (load failure,
 * signals, faults) end the process from any state and are not states.
 *
 * <pre>
 * LOADING --model loaded--> READY --SIGTERM/SIGINT--> DRAINING
 *                                 --SIGTERM/SIGINT, shutdown deadlock fault--> STUCK
 * </pre>
 */
enum ServerState {
  /** Port open, every endpoint answers 503 "Loading model"; signals kill the process. */
  LOADING,
  /** Serving; SIGTERM/SIGINT start draining. */
  READY,
  /**
   * Listener closed, in-flight work abandoned; the process exits 0 when the last waiting client
   * disconnects, or 1 at once on a second signal.
   */
  DRAINING,
  /**
   * The real server's signal handler deadlocked (fault): nothing logged, the listener stays open,
   * generation stops, queue-bound endpoints never answer; only a second signal (exit 1) or SIGKILL
   * ends the process.
   */
  STUCK;

  private Set<ServerState> next() {
    return switch (this) {
      case LOADING -> EnumSet.of(READY);
      case READY -> EnumSet.of(DRAINING, STUCK);
      case DRAINING, STUCK -> EnumSet.noneOf(ServerState.class);
    };
  }

  boolean canMoveTo(ServerState to) {
    return next().contains(to);
  }
}
