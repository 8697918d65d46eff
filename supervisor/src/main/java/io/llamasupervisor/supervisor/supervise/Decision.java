package io.llamasupervisor.supervisor.supervise;

import java.time.Instant;
import java.util.List;

/**
 * A reasoned decision or event, kept on the model so "why is it not serving?" has an answer.
 *
 * @param code machine-readable reason
 * @param message human message, e.g. {@code EXITED(1): error loading model}
 * @param at when it was decided
 * @param lastLines the last stderr lines of the instance concerned (may be empty)
 */
public record Decision(ReasonCode code, String message, Instant at, List<String> lastLines) {
  public Decision {
    lastLines = List.copyOf(lastLines);
  }

  public static Decision of(ReasonCode code, String message, Instant at) {
    return new Decision(code, message, at, List.of());
  }
}
