package io.llamasupervisor.health;

/**
 * Machine-readable reason carried by every result of this package, next to a human message. The
 * names are part of the public contract (they show up in logs, events and the registry).
 */
public enum ProbeReason {
  /** The check passed. */
  OK,
  /** HTTP 503 {@code Loading model}. */
  LOADING,
  /** Nothing listens on the port (yet, or any more). */
  CONNECTION_REFUSED,
  /** The connection was reset or closed without an answer, or another I/O error. */
  CONNECTION_ERROR,
  /** No complete answer within the probe timeout: a hung or stopped server counts here. */
  PROBE_TIMEOUT,
  /** An HTTP status the check does not accept. */
  UNEXPECTED_STATUS,
  /** The expected status, but a body that cannot be understood. */
  BAD_RESPONSE,
  /**
   * The endpoint is disabled on this server (HTTP 501), e.g. {@code /slots} and {@code /metrics}.
   */
  NOT_SUPPORTED,
  /** The probe itself failed (a bug or a rejected request), not the server. */
  PROBE_ERROR,
  /** Readiness: {@code /health} did not return 200 before the startup deadline. */
  HEALTH_TIMEOUT,
  /** Readiness: the process exited while starting. */
  EXITED,
  /** Readiness: the wait was cancelled by the caller. */
  CANCELLED,
  /** Liveness: too many consecutive failed {@code /health} probes. */
  UNHEALTHY,
  /** Liveness: the one-token completion canary failed while {@code /health} may still be 200. */
  CANARY_FAILED
}
