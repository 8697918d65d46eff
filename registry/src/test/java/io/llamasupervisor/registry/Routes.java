package io.llamasupervisor.registry;

import java.time.Instant;
import java.util.List;

/** Small builders of routes for tests. */
final class Routes {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private Routes() {}

  static BackendRoute backend(int port, long generation, BackendState state) {
    return BackendRoute.of("127.0.0.1", port, generation, state, T0, 4, 4);
  }

  static ModelRoute ready(String id, int port) {
    return new ModelRoute(id, id, "ready", List.of(backend(port, 1, BackendState.READY)));
  }
}
