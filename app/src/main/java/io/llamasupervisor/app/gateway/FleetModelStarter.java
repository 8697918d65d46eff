package io.llamasupervisor.app.gateway;

import io.llamasupervisor.gateway.ModelStarter;
import io.llamasupervisor.gateway.ModelUnavailableException;
import io.llamasupervisor.supervisor.supervise.Fleet;

/**
 * Starts a model the gateway has a request for, in-process, through {@link Fleet#demand}: an
 * on-demand or idle-stopped model starts, one that starts or serves is left alone, and an operator
 * stop is never overridden (the request fails at once with 503). The fleet starts exactly one
 * instance however often it is asked.
 */
public final class FleetModelStarter implements ModelStarter {
  private final Fleet fleet;

  public FleetModelStarter(Fleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public void requestStart(String modelId) {
    switch (fleet.demand(modelId)) {
      case ACCEPTED -> {}
      case NOT_FOUND ->
          throw new ModelUnavailableException(
              "removed", "NOT_FOUND", "the supervisor has no such model");
      case REJECTED_MODEL ->
          throw new ModelUnavailableException(
              "rejected", "REJECTED", "the model file was rejected");
      case STOPPED ->
          throw new ModelUnavailableException(
              "stopped",
              "STOPPED",
              "the model is stopped (by an operator, after repeated failures, or without a"
                  + " llama-server binary); see GET /api/v1/models/"
                  + modelId);
    }
  }
}
