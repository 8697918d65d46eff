package io.llamasupervisor.supervisor.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Stops models whose {@code ttl} has passed without a request. A serving model is idle from the
 * latest of: its last request ({@link Traffic#lastActive}), its last demand and the time its newest
 * instance became ready. Once idle for its ttl, with nothing queued for it and nothing in flight to
 * any of its instances, it becomes {@code idle} (reason {@link ReasonCode#IDLE_TTL}): its ready
 * instances drain (so a request that raced with the decision still finishes) and stop; the next
 * {@link Fleet#demand} starts it again. A model that is starting or being replaced is left alone.
 * State thread only.
 */
final class IdleStopper {
  /** How often models are checked against their ttl. */
  static final Duration CHECK_EVERY = Duration.ofSeconds(1);

  private final FleetState state;
  private final InstanceLifecycle lifecycle;
  private final Runnable reconcile;

  /**
   * @param reconcile runs a reconcile pass now
   */
  IdleStopper(FleetState state, InstanceLifecycle lifecycle, Runnable reconcile) {
    this.state = state;
    this.lifecycle = lifecycle;
    this.reconcile = reconcile;
  }

  /** Checks every model with a ttl; stops those idle for longer. */
  void check() {
    boolean stopped = false;
    for (ModelRuntime m : List.copyOf(state.models.values())) {
      Duration ttl = m.entry != null && m.entry.accepted() ? state.settingsOf(m).ttl() : null;
      if (ttl != null && expired(m, ttl)) {
        m.idleReason = ReasonCode.IDLE_TTL;
        m.changeReason = ReasonCode.IDLE_TTL;
        String why = "no request for " + ttl.toMillis() + " ms: stopped until the next request";
        state.decide(m, ReasonCode.IDLE_TTL, why);
        lifecycle.drainAll(m, ReasonCode.IDLE_TTL, why);
        stopped = true;
      }
    }
    if (stopped) {
      reconcile.run();
    }
  }

  private boolean expired(ModelRuntime m, Duration ttl) {
    if (m.idleReason != null
        || m.operatorStopped
        || !m.has(InstanceState.READY)
        || m.has(InstanceState.STARTING)
        || m.has(InstanceState.DRAINING)) {
      return false;
    }
    Traffic traffic = state.traffic();
    if (traffic.queued(m.id) > 0
        || m.instances.stream().anyMatch(i -> traffic.inFlight(i.url()) > 0)) {
      return false;
    }
    Instant since =
        m.instances.stream()
            .filter(i -> i.state == InstanceState.READY && i.readyAt != null)
            .map(i -> i.readyAt)
            .max(Instant::compareTo)
            .orElse(Instant.MIN);
    if (m.demandedAt != null && m.demandedAt.isAfter(since)) {
      since = m.demandedAt;
    }
    Instant last = traffic.lastActive(m.id).orElse(Instant.MIN);
    if (last.isAfter(since)) {
      since = last;
    }
    return !state.now().isBefore(since.plus(ttl));
  }
}
