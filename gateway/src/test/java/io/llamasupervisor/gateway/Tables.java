package io.llamasupervisor.gateway;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Routing tables for tests. */
final class Tables {
  private static long version;

  private Tables() {}

  static BackendRoute ready(int port, long generation, int slots) {
    return BackendRoute.of(
        "127.0.0.1", port, generation, BackendState.READY, Instant.EPOCH, slots, slots);
  }

  static BackendRoute draining(int port, long generation, int slots) {
    return BackendRoute.of(
        "127.0.0.1", port, generation, BackendState.DRAINING, Instant.EPOCH, slots, slots);
  }

  static ModelRoute model(String id, String alias, BackendRoute... backends) {
    return new ModelRoute(id, alias, backends.length > 0 ? "ready" : "stopped", List.of(backends));
  }

  static synchronized RoutingTable table(ModelRoute... models) {
    return new RoutingTable("e1", ++version, new ArrayList<>(List.of(models)));
  }

  static String url(int port) {
    return "http://127.0.0.1:" + port;
  }
}
