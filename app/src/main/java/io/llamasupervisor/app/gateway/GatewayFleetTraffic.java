package io.llamasupervisor.app.gateway;

import io.llamasupervisor.gateway.GatewayTraffic;
import io.llamasupervisor.supervisor.supervise.Traffic;
import java.time.Instant;
import java.util.Optional;

/**
 * The in-process gateway's exact counts as the supervisor's {@link Traffic}: a drain waits until
 * the gateway has nothing in flight to the old backend, and a ttl never stops a model with requests
 * in flight or queued.
 */
public final class GatewayFleetTraffic implements Traffic {
  private final GatewayTraffic gateway;

  public GatewayFleetTraffic(GatewayTraffic gateway) {
    this.gateway = gateway;
  }

  @Override
  public int inFlight(String backendUrl) {
    return gateway.inFlight(backendUrl);
  }

  @Override
  public Optional<Instant> lastActive(String modelId) {
    return gateway.lastActive(modelId);
  }

  @Override
  public int queued(String modelId) {
    return gateway.queued(modelId);
  }
}
