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

  /**
   * {@code url} ({@code http://host:port}) as it is published: on {@code host} when it names a
   * loopback or wildcard address; unchanged otherwise, when host is null or url is not of that
   * form.
   */
  static String url(String url, String host) {
    if (host == null) {
      return url;
    }
    java.net.URI u;
    try {
      u = java.net.URI.create(url);
    } catch (IllegalArgumentException e) {
      return url;
    }
    if (u.getHost() == null || u.getPort() < 0 || !LOCAL.contains(u.getHost())) {
      return url;
    }
    return BackendRoute.urlOf(host, u.getPort());
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
        b.replica());
  }
}
