package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Routing tables of one model for tests: {@code table(3, ready(1), draining(2))}. */
final class Tables {
  static final String MODEL = "org/tiny";
  static final String EPOCH = "e1";
  private static final Instant SINCE = Instant.parse("2030-01-01T00:00:00Z");

  private Tables() {}

  static BackendRoute ready(long generation) {
    return backend(generation, BackendState.READY);
  }

  static BackendRoute draining(long generation) {
    return backend(generation, BackendState.DRAINING);
  }

  static BackendRoute starting(long generation) {
    return backend(generation, BackendState.STARTING);
  }

  static BackendRoute backend(long generation, BackendState state) {
    return BackendRoute.of("127.0.0.1", 20000 + (int) generation, generation, state, SINCE, 4, 4);
  }

  /** The model with {@code backends} at {@code version} of epoch {@link #EPOCH}. */
  static RoutingTable table(long version, BackendRoute... backends) {
    return table(EPOCH, version, backends);
  }

  static RoutingTable table(String epoch, long version, BackendRoute... backends) {
    List<ModelRoute> models = new ArrayList<>();
    models.add(new ModelRoute(MODEL, "tiny", "ready", List.of(backends)));
    return new RoutingTable(epoch, version, models);
  }

  /** A table without the model. */
  static RoutingTable empty(long version) {
    return new RoutingTable(EPOCH, version, List.of());
  }
}
