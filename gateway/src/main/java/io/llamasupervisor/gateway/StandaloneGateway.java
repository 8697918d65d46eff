package io.llamasupervisor.gateway;

import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.gateway.conversation.ConversationStore;
import io.llamasupervisor.registry.client.RegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A gateway in front of a remote {@code serve}: follows its routing table with {@link
 * RegistryClient#watch}, reads its models from {@code /api/v1/models} ({@link HttpModelDirectory})
 * and asks it to start on-demand models ({@link HttpModelStarter}). Several of these in front of
 * several supervisors is how the fleet scales out.
 */
public final class StandaloneGateway implements AutoCloseable {
  private final RegistryClient client;
  private final HttpModelDirectory directory;
  private final GatewayServer server;

  private StandaloneGateway(
      RegistryClient client, HttpModelDirectory directory, GatewayServer server) {
    this.client = client;
    this.directory = directory;
    this.server = server;
  }

  /**
   * Starts listening; {@code apiKey} (null: none) is sent to the supervisor (it needs the {@code
   * operate} role for on-demand starts), not to clients. {@code GET /metrics} of the gateway
   * answers {@code scrape} (the Prometheus text of {@code meters}); {@code cache} and {@code
   * conversations} (null: none) are not closed by the gateway.
   *
   * @throws java.io.UncheckedIOException when the address cannot be bound
   */
  public static StandaloneGateway start(
      URI registry,
      String apiKey,
      GatewayOptions options,
      MeterRegistry meters,
      ResponseCache cache,
      ConversationStore conversations,
      Supplier<String> scrape) {
    RegistryClient client = RegistryClient.builder(registry).apiKey(apiKey).build();
    HttpModelDirectory directory = new HttpModelDirectory(registry, apiKey, Duration.ofSeconds(2));
    try {
      GatewayServer server =
          new GatewayServer(
              options,
              client::watch,
              directory,
              new HttpModelStarter(registry, apiKey),
              meters,
              cache,
              conversations);
      server.serveMetrics(scrape).start();
      return new StandaloneGateway(client, directory, server);
    } catch (RuntimeException e) {
      directory.close();
      client.close();
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  public GatewayServer server() {
    return server;
  }

  @Override
  public void close() {
    server.close();
    directory.close();
    client.close();
  }
}
