package io.llamasupervisor.supervisor.supervise;

import java.util.EnumSet;
import java.util.Set;

/**
 * Lifecycle of one llama-server instance (one generation of a model). Transitions happen only
 * through {@link #canMoveTo}; STOPPED and FAILED are terminal.
 *
 * <pre>
 * STARTING  -> READY | STOPPING | STOPPED | FAILED
 * READY     -> DRAINING | UNHEALTHY | STOPPING | STOPPED | FAILED
 * UNHEALTHY -> STOPPING | STOPPED | FAILED
 * DRAINING  -> STOPPING | STOPPED | FAILED
 * STOPPING  -> STOPPED | FAILED
 * </pre>
 */
public enum InstanceState {
  STARTING,
  READY,
  UNHEALTHY,
  DRAINING,
  STOPPING,
  STOPPED,
  FAILED;

  private Set<InstanceState> next() {
    return switch (this) {
      case STARTING -> EnumSet.of(READY, STOPPING, STOPPED, FAILED);
      case READY -> EnumSet.of(DRAINING, UNHEALTHY, STOPPING, STOPPED, FAILED);
      case UNHEALTHY, DRAINING -> EnumSet.of(STOPPING, STOPPED, FAILED);
      case STOPPING -> EnumSet.of(STOPPED, FAILED);
      case STOPPED, FAILED -> EnumSet.noneOf(InstanceState.class);
    };
  }

  public boolean canMoveTo(InstanceState to) {
    return next().contains(to);
  }

  /** The process may still be running. */
  public boolean isLive() {
    return this != STOPPED && this != FAILED;
  }

  /** Lower-case name as shown in logs and the API. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
