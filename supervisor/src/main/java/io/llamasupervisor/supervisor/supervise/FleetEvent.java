package io.llamasupervisor.supervisor.supervise;

import java.time.Instant;

/**
 * Something the supervisor did to a model, as it happened: what dashboards and event streams show.
 *
 * <ul>
 *   <li>{@link Kind#STATE}: an instance moved {@code from -> to} ({@code from} null for a new
 *       instance), with the reason; the same move the log line {@code model=... a -> b reason=...}
 *       reports;
 *   <li>{@link Kind#DECISION}: the model's last decision changed ({@link
 *       ModelStatus#lastDecision});
 *   <li>{@link Kind#ROLLOUT}: a blue-green replacement entered a new phase ({@link
 *       ModelStatus#rollout}).
 * </ul>
 *
 * @param seq position in the order of events of this supervisor run, from 1, without gaps
 * @param at when it happened
 * @param kind what happened
 * @param model model id
 * @param modelState the model's one-word state right after the event ({@link ModelStatus#state})
 * @param generation the instance's generation (STATE), the new generation (ROLLOUT), else 0
 * @param port the instance's port (STATE), else 0
 * @param from previous instance state label (STATE; null for a new instance), else null
 * @param to new instance state label (STATE), the rollout phase (ROLLOUT), else null
 * @param reason the reason code
 * @param message human detail
 * @param rollout the rollout after the event (ROLLOUT), else null
 */
public record FleetEvent(
    long seq,
    Instant at,
    Kind kind,
    String model,
    String modelState,
    int generation,
    int port,
    String from,
    String to,
    ReasonCode reason,
    String message,
    Rollout rollout) {

  /** What an event reports. */
  public enum Kind {
    STATE,
    DECISION,
    ROLLOUT;

    /** {@code state}, {@code decision}, {@code rollout}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
