package io.llamasupervisor.health;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Asks a llama-server instance once whether it is healthy.
 *
 * <p>Contract for implementations: the future <b>always</b> completes normally (failures are
 * results with {@link HealthStatus#UNREACHABLE} or {@link HealthStatus#FAILED}, never exceptions)
 * and it completes within {@code timeout}, so that a hung server counts as a failed probe. Callers
 * still treat an exceptional completion as {@link ProbeReason#PROBE_ERROR}.
 */
@FunctionalInterface
public interface HealthProbe {
  /**
   * Probes the instance at {@code base} (e.g. {@code http://127.0.0.1:8081}).
   *
   * @param timeout the longest the probe may take; must be positive
   */
  CompletableFuture<ProbeResult> probe(URI base, Duration timeout);
}
