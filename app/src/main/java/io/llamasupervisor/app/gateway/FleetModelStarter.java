package io.llamasupervisor.app.gateway;

import io.llamasupervisor.gateway.ModelStarter;
import io.llamasupervisor.gateway.ModelUnavailableException;
import io.llamasupervisor.supervisor.supervise.Fleet;

/**
 * Starts a model the gateway has a request for, in-process. The gateway asks only for models that
 * are idle or started on demand (never for one an operator stopped), at most once per model until a
 * backend is ready; the fleet starts exactly one instance however often it is asked.
 */
public final class FleetModelStarter implements ModelStarter {
  private final Fleet fleet;

  public FleetModelStarter(Fleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public void requestStart(String modelId) {
    switch (fleet.operatorStart(modelId)) {
      case ACCEPTED -> {}
      case NOT_FOUND ->
          throw new ModelUnavailableException(
              "removed", "NOT_FOUND", "the supervisor has no such model");
      case REJECTED_MODEL ->
          throw new ModelUnavailableException(
              "rejected", "REJECTED", "the model file was rejected");
    }
  }
}
