package io.llamasupervisor.health;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A ready instance was found unhealthy by a {@link LivenessMonitor}.
 *
 * @param reason {@link ProbeReason#UNHEALTHY} (consecutive {@code /health} misses) or {@link
 *     ProbeReason#CANARY_FAILED} (the completion canary failed)
 * @param message e.g. {@code UNHEALTHY: 3 consecutive /health misses: no answer within PT2S; ...}
 *     or {@code CANARY_FAILED: POST /completion returned 500: ...}
 * @param failures the failed results that led to it, oldest first
 * @param at when it was decided, by the monitor's clock
 */
public record UnhealthyEvent(
    ProbeReason reason, String message, List<ProbeResult> failures, Instant at) {
  public UnhealthyEvent {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(at, "at");
    failures = List.copyOf(failures);
  }

  @Override
  public String toString() {
    return message;
  }
}
