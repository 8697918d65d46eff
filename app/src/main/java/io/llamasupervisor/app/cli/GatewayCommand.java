package io.llamasupervisor.app.cli;

import io.llamasupervisor.app.gateway.GatewaySettings;
import io.llamasupervisor.gateway.GatewayOptions;
import io.llamasupervisor.gateway.StandaloneGateway;
import io.llamasupervisor.gateway.conversation.ConversationSettings;
import io.llamasupervisor.gateway.conversation.ConversationStore;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.GatewayConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Unmatched;

/**
 * {@code gateway --registry URL}: runs the OpenAI-compatible gateway alone in front of a remote
 * {@code serve}, following its routing table. Several gateways in front of several supervisors is
 * how the fleet scales out. Runs until SIGTERM/SIGINT.
 */
@Command(
    name = "gateway",
    description = "Run the OpenAI-compatible gateway alone, in front of a remote serve.",
    footer = {
      "",
      "      --supervisor.KEY=VALUE",
      "                            Any supervisor.gateway.* or supervisor.api.keys key"
    })
public final class GatewayCommand extends CliCommand {
  @Option(
      names = "--registry",
      required = true,
      paramLabel = "URL",
      description = "The supervisor's API, e.g. http://10.0.0.5:8090.")
  URI registry;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "Port of the gateway (supervisor.gateway.port, default 8080).")
  String port;

  @Option(
      names = "--host",
      paramLabel = "H",
      description = "Address of the gateway (supervisor.gateway.host, default 127.0.0.1).")
  String host;

  @Option(
      names = "--api-key",
      paramLabel = "K",
      description = "Key for the supervisor's API (needs the operate role for on-demand starts).")
  String apiKey;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "YAML configuration: supervisor.gateway.* and supervisor.api.keys (client keys).")
  Path configFile;

  @Unmatched List<String> unmatched = new ArrayList<>();

  @Override
  public Integer call() {
    List<String> overrides = new ArrayList<>();
    for (String a : unmatched) {
      if (!a.startsWith("--supervisor.") || !a.contains("=")) {
        throw new ParameterException(spec.commandLine(), "Unknown option or argument: '" + a + "'");
      }
      overrides.add(a.substring(2));
    }
    List<String> last = new ArrayList<>();
    if (port != null) {
      last.add("supervisor.gateway.port=" + port);
    }
    if (host != null) {
      last.add("supervisor.gateway.host=" + host);
    }
    GatewayOptions options;
    ConversationSettings conversations;
    try {
      SupervisorConfig config = new ConfigArgs(configFile, overrides, last).load(System.getenv());
      options = GatewaySettings.options(config, GatewayConfig.of(config));
      conversations = GatewaySettings.conversations(config);
    } catch (ConfigException | IllegalStateException e) {
      fail(e.getMessage());
      return 1;
    }
    if (registry.getScheme() == null || registry.getHost() == null) {
      fail("--registry must be a URL such as http://127.0.0.1:8090, was " + registry);
      return 1;
    }
    StandaloneGateway gateway;
    ConversationStore store = conversations.openStore();
    try {
      gateway =
          StandaloneGateway.start(
              registry,
              apiKey,
              options,
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
              store);
    } catch (RuntimeException e) {
      store.close();
      fail(e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.close();
                  store.close();
                  stopped.countDown();
                },
                "shutdown"));
    out().println("gateway listening on http://" + options.host() + ":" + gateway.port());
    out().flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
