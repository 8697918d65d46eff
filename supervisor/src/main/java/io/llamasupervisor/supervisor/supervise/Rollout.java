package io.llamasupervisor.supervisor.supervise;

import java.time.Instant;

/**
 * Progress of a blue-green replacement of one model.
 *
 * @param phase {@code starting} (new generation loading), {@code draining} (switched, old one
 *     draining), {@code done}, or {@code failed}
 * @param fromGeneration the generation being replaced
 * @param toGeneration the new generation
 * @param since when this phase began
 * @param reason why the replacement happened, or why it failed
 * @param message human detail
 */
public record Rollout(
    String phase,
    int fromGeneration,
    int toGeneration,
    Instant since,
    ReasonCode reason,
    String message) {
  Rollout phase(String next, Instant at, String msg) {
    return new Rollout(next, fromGeneration, toGeneration, at, reason, msg);
  }
}
