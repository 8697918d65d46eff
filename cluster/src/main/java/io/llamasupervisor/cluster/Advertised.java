package io.llamasupervisor.cluster;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import java.util.Set;

/**
 * Rewrites a node's backends to the address other nodes reach them on: a backend listening on a
 * loopback or wildcard address ({@code 127.0.0.1}, {@code localhost}, {@code ::1}, {@code 0.0.0.0},
 * {@code ::}) is published on the node's advertise host, same port. Any other host is published as
 * it is.
 */
final class Advertised {
  private static final Set<String> LOCAL =
      Set.of("127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0", "::", "[::]");

  private Advertised() {}

  /** {@code model} with its local backends moved to {@code host}; unchanged when host is null. */
  static ModelRoute model(ModelRoute model, String host) {
    if (host == null) {
      return model;
    }
    return new ModelRoute(
        model.id(),
        model.alias(),
        model.state(),
        model.backends().stream().map(b -> backend(b, host)).toList());
  }

  static BackendRoute backend(BackendRoute b, String host) {
    if (!LOCAL.contains(b.host())) {
      return b;
    }
    return new BackendRoute(
        BackendRoute.urlOf(host, b.port()),
        host,
        b.port(),
        b.generation(),
        b.state(),
        b.since(),
        b.slotsTotal(),
        b.slotsIdle(),
        b.replica(),
        b.plan());
  }
}
