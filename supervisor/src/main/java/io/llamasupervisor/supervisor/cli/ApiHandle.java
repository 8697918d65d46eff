package io.llamasupervisor.supervisor.cli;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.supervise.Fleet;

/** The running HTTP API of {@code serve}. */
interface ApiHandle extends AutoCloseable {
  @Override
  void close();

  static ApiHandle start(
      Fleet fleet,
      RoutingRegistry routes,
      SupervisorConfig config,
      ServeConfig serve,
      boolean insecure) {
    return () -> {};
  }
}
