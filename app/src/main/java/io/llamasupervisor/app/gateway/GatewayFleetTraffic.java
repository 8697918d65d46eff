package io.llamasupervisor.app.gateway;

import io.llamasupervisor.gateway.GatewayTraffic;
import io.llamasupervisor.supervisor.supervise.Traffic;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The in-process gateway's exact counts as the supervisor's {@link Traffic}: a drain waits until
 * the gateway has nothing in flight to the old backend, and a ttl never stops a model with requests
 * in flight or queued. In a cluster the gateway knows the node's own backends by their advertised
 * urls, so the supervisor's urls are translated first.
 */
public final class GatewayFleetTraffic implements Traffic {
  private final GatewayTraffic gateway;
  private final UnaryOperator<String> gatewayUrl;

  public GatewayFleetTraffic(GatewayTraffic gateway) {
    this(gateway, UnaryOperator.identity());
  }

  /**
   * @param gatewayUrl the url the gateway knows a supervisor's backend url by (in a cluster: the
   *     advertised one)
   */
  public GatewayFleetTraffic(GatewayTraffic gateway, UnaryOperator<String> gatewayUrl) {
    this.gateway = gateway;
    this.gatewayUrl = gatewayUrl;
  }

  @Override
  public int inFlight(String backendUrl) {
    return gateway.inFlight(gatewayUrl.apply(backendUrl));
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
