package io.llamasupervisor.gateway;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * What the supervisor says about one accepted model, as the gateway needs it: {@code state} is the
 * supervisor's one-word state ({@code ready}, {@code starting}, {@code idle}, {@code stopped},
 * {@code rejected}, {@code failed}, …), {@code reason} and {@code message} its last reason code and
 * text (may be null), {@code ctxPerSlot} and {@code slots} the launch plan's context per slot and
 * slot count (0 when unknown), {@code startupDeadline} how long a start may take (null: the
 * gateway's default). Immutable.
 */
public record ModelInfo(
    String id,
    String alias,
    String state,
    String reason,
    String message,
    int ctxPerSlot,
    int slots,
    StartMode startMode,
    Duration startupDeadline) {

  /** States in which a request gets 503 at once: no request can make the model serve. */
  private static final Set<String> UNAVAILABLE =
      Set.of("rejected", "stopped", "stopping", "unavailable", "failed", "removed");

  public ModelInfo {
    Objects.requireNonNull(id, "id");
    alias = alias == null || alias.isBlank() ? id : alias;
    state = state == null ? "unknown" : state;
    startMode = startMode == null ? StartMode.ALWAYS : startMode;
  }

  /** A model known only from the routing table. */
  public static ModelInfo of(String id, String alias, String state) {
    return new ModelInfo(id, alias, state, null, null, 0, 0, StartMode.ALWAYS, null);
  }

  /**
   * Whether a request must be refused at once (503 naming {@link #reason}): the model is rejected,
   * failed for good, or stopped by an operator. Idle (stopped after its TTL) is not unavailable.
   */
  public boolean unavailable() {
    return UNAVAILABLE.contains(state) && !"IDLE_TTL".equals(reason);
  }

  /**
   * Whether a request should ask the supervisor to start the model: it is idle (stopped after its
   * TTL), or started on demand and not refused.
   */
  public boolean startsOnDemand() {
    return !unavailable() && ("idle".equals(state) || startMode == StartMode.ON_DEMAND);
  }
}
