package io.llamasupervisor.gateway;

import java.time.Instant;
import java.util.Optional;

/**
 * What the gateway knows about live traffic, for the supervisor (the app adapts it to the
 * supervisor's {@code Traffic}): the drain of a replaced backend waits for {@link #inFlight} to be
 * 0, the idle stop reads {@link #lastActive} and {@link #queued}. Reads are lock-free for {@link
 * #inFlight}.
 */
public final class GatewayTraffic {
  private final Dispatcher dispatcher;

  GatewayTraffic(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** Requests the gateway has in flight to this backend URL (e.g. "http://127.0.0.1:39001"). */
  public int inFlight(String backendUrl) {
    return dispatcher.inFlight(backendUrl);
  }

  /** When the last request for this model ended or began, whichever is later; empty if never. */
  public Optional<Instant> lastActive(String modelId) {
    return dispatcher.lastActive(modelId);
  }

  /** Requests for this model waiting in the gateway's queue. */
  public int queued(String modelId) {
    return dispatcher.queued(modelId);
  }
}
