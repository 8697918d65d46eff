package io.llamasupervisor.app.cli;

import io.llamasupervisor.cluster.ClusterNode;
import io.llamasupervisor.cluster.ClusterSettings;
import io.llamasupervisor.gateway.GatewayOptions;
import io.llamasupervisor.gateway.GatewayServer;
import io.llamasupervisor.gateway.HttpModelDirectory;
import io.llamasupervisor.gateway.HttpModelStarter;
import io.llamasupervisor.gateway.ModelDirectory;
import io.llamasupervisor.gateway.ModelStarter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;

/**
 * {@code gateway --cluster}: a gateway alone that follows the cluster-wide table from etcd and
 * routes to READY backends on every node. With a node name it prefers that node's backends while
 * they have a free slot (it publishes nothing). With a registry as well, it reads that supervisor's
 * models and asks it to start on-demand ones; without, it knows only what the table lists.
 */
final class ClusterGateway implements AutoCloseable {
  private final ClusterNode node;
  private final HttpModelDirectory directory;
  private final GatewayServer server;

  private ClusterGateway(ClusterNode node, HttpModelDirectory directory, GatewayServer server) {
    this.node = node;
    this.directory = directory;
    this.server = server;
  }

  /**
   * Starts following etcd (never waits for it) and listening.
   *
   * @param registry a supervisor's API for models and on-demand starts; null: the table only
   * @throws java.io.UncheckedIOException when the address cannot be bound
   */
  static ClusterGateway start(
      ClusterSettings settings,
      URI registry,
      String apiKey,
      GatewayOptions options,
      MeterRegistry meters) {
    ClusterNode node = ClusterNode.start(settings, null, Clock.systemUTC());
    HttpModelDirectory directory =
        registry == null ? null : new HttpModelDirectory(registry, apiKey, Duration.ofSeconds(2));
    try {
      GatewayServer server =
          new GatewayServer(
              options,
              node.routes()::subscribe,
              directory == null ? ModelDirectory.NONE : directory,
              registry == null ? ModelStarter.NONE : new HttpModelStarter(registry, apiKey),
              meters);
      if (settings.node() != null) {
        server.dispatcher().preferLocal(node::isLocal);
      }
      server.start();
      return new ClusterGateway(node, directory, server);
    } catch (RuntimeException e) {
      if (directory != null) {
        directory.close();
      }
      node.close();
      throw e;
    }
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
    if (directory != null) {
      directory.close();
    }
    node.close();
  }
}
