package io.llamasupervisor.health;

/**
 * What one {@code GET /health} said about a llama-server instance.
 *
 * <p>llama-server has no "error" health state: a failed load ends the process. So {@link #FAILED}
 * means the answer itself was wrong (an unexpected HTTP status or a body that is not
 * llama-server's), and {@link #UNREACHABLE} means there was no answer at all.
 */
public enum HealthStatus {
  /** HTTP 503 with the {@code Loading model} error body: the port is open, the model is loading. */
  LOADING,
  /** HTTP 200 {@code {"status":"ok"}}: the model is loaded and requests are accepted. */
  READY,
  /** Connection refused, reset or closed, or no answer within the probe timeout (a hung server). */
  UNREACHABLE,
  /** Any other HTTP status, or a body that is not what llama-server sends. */
  FAILED
}
