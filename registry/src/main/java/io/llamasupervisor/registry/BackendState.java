package io.llamasupervisor.registry;

/**
 * Routing state of one llama-server backend as consumers see it. Only {@link #READY} backends take
 * new traffic; {@link #DRAINING} ones are still listed so consumers know they are going away and
 * can let in-flight requests finish.
 */
public enum BackendState {
  /** Process spawned, model still loading: do not route to it. */
  STARTING,
  /** Healthy and serving: the only state that takes new requests. */
  READY,
  /** Being replaced or stopped: finish in-flight work, send nothing new. */
  DRAINING;

  /** Whether a backend in this state takes new requests. */
  public boolean takesTraffic() {
    return this == READY;
  }
}
