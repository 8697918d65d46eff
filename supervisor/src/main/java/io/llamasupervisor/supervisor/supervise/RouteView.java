package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Projects the supervisor's models onto the routing table: accepted models and their backends. */
final class RouteView {
  private RouteView() {}

  static Map<String, ModelRoute> routes(
      Collection<ModelRuntime> models, Function<ModelRuntime, String> state) {
    Map<String, ModelRoute> out = new LinkedHashMap<>();
    for (ModelRuntime m : models) {
      if (m.entry == null || !m.entry.accepted()) {
        continue;
      }
      ModelRoute route = ModelRoute.of(m.id, m.alias(), state.apply(m));
      // a generation loading next to a serving one is not routing news until it is ready: a
      // rollout that fails leaves the table unchanged
      boolean serving = m.has(InstanceState.READY) || m.has(InstanceState.DRAINING);
      for (InstanceRuntime i : m.instances) {
        if (serving && i.state == InstanceState.STARTING) {
          continue;
        }
        BackendState s =
            switch (i.state) {
              case STARTING -> BackendState.STARTING;
              case READY -> BackendState.READY;
              case DRAINING -> BackendState.DRAINING;
              default -> null;
            };
        if (s != null) {
          route =
              route.withBackend(
                  BackendRoute.of(
                          i.host,
                          i.port,
                          i.generation,
                          i.replica,
                          s,
                          i.since,
                          i.plan.parallel(),
                          i.slotsIdle >= 0 ? i.slotsIdle : i.plan.parallel())
                      .withPlan(plan(i)));
        }
      }
      out.put(m.id, route);
    }
    return out;
  }

  /**
   * What the instance runs, as the routing table publishes it: the identity of its desired plan
   * (plan, file size and time, binary; not the restart count, so a restart keeps it) and the
   * safe-mode level, which changes the flags.
   */
  static String plan(InstanceRuntime i) {
    String identity = FleetState.identity(i.desiredHash);
    return i.safeLevel == 0 ? identity : identity + "+safe" + i.safeLevel;
  }
}
