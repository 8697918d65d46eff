package io.llamasupervisor.supervisor.supervise;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of a fleet's {@link FleetEvent}s. {@link FleetState} reports here at the points
 * where it logs a state change and records a decision, and after each publication (where rollout
 * phases show).
 *
 * <p>Contract for listeners: they are called on the supervisor's state thread, in {@link
 * FleetEvent#seq} order, and must return quickly without blocking or calling back into the {@link
 * Fleet} (hand the event to another thread). A listener that throws is logged and stays subscribed;
 * it never disturbs supervision. Events before a subscription are not replayed.
 */
final class FleetEvents {
  private static final Logger LOG = LoggerFactory.getLogger(FleetEvents.class);

  private final CopyOnWriteArrayList<Consumer<FleetEvent>> listeners = new CopyOnWriteArrayList<>();

  /** The last rollout reported per model; state thread only. */
  private final Map<String, Rollout> rollouts = new HashMap<>();

  private long seq;

  /** Adds a listener until the returned subscription is closed. Thread-safe. */
  Fleet.Subscription subscribe(Consumer<FleetEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** An instance moved {@code from -> to}; then the model's rollout if it changed. */
  void state(
      ModelRuntime m,
      String modelState,
      int generation,
      int port,
      InstanceState from,
      InstanceState to,
      ReasonCode reason,
      String detail,
      Instant at) {
    emit(
        at,
        FleetEvent.Kind.STATE,
        m.id,
        modelState,
        generation,
        port,
        from == null ? null : from.label(),
        to.label(),
        reason,
        detail,
        null);
    rollout(m, modelState);
  }

  /** The model's last decision changed; then its rollout if it changed. */
  void decision(ModelRuntime m, String modelState, Decision d) {
    emit(
        d.at(),
        FleetEvent.Kind.DECISION,
        m.id,
        modelState,
        0,
        0,
        null,
        null,
        d.code(),
        d.message(),
        null);
    rollout(m, modelState);
  }

  /** Reports {@code m}'s rollout when it differs from the last one reported. */
  void rollout(ModelRuntime m, String modelState) {
    Rollout r = m.rollout;
    if (r == null || r.equals(rollouts.get(m.id))) {
      return;
    }
    rollouts.put(m.id, r);
    emit(
        r.since(),
        FleetEvent.Kind.ROLLOUT,
        m.id,
        modelState,
        r.toGeneration(),
        0,
        null,
        r.phase(),
        r.reason(),
        r.message(),
        r);
  }

  private void emit(
      Instant at,
      FleetEvent.Kind kind,
      String model,
      String modelState,
      int generation,
      int port,
      String from,
      String to,
      ReasonCode reason,
      String message,
      Rollout rollout) {
    FleetEvent e =
        new FleetEvent(
            ++seq,
            at,
            kind,
            model,
            modelState,
            generation,
            port,
            from,
            to,
            reason,
            message,
            rollout);
    for (Consumer<FleetEvent> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ex) {
        LOG.warn("fleet event listener failed on {} event of {}", kind.label(), model, ex);
      }
    }
  }
}
