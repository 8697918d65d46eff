package io.llamasupervisor.app.cli;

import io.llamasupervisor.app.gateway.CacheSettings;
import io.llamasupervisor.app.gateway.GatewaySettings;
import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.cluster.ClusterSettings;
import io.llamasupervisor.gateway.GatewayOptions;
import io.llamasupervisor.gateway.GatewayServer;
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
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Unmatched;

/**
 * {@code gateway --registry URL}: runs the OpenAI-compatible gateway alone in front of a remote
 * {@code serve}, following its routing table. Several gateways in front of several supervisors is
 * how the fleet scales out. {@code gateway --cluster etcd://…} follows the cluster-wide table from
 * etcd instead (see {@link ClusterGateway}). Runs until SIGTERM/SIGINT.
 */
@Command(
    name = "gateway",
    description =
        "Run the OpenAI-compatible gateway alone, in front of a remote serve or a cluster.",
    footer = {
      "",
      "      --supervisor.KEY=VALUE",
      "                            Any supervisor.gateway.*, supervisor.cluster.*,",
      "                              supervisor.cache.* or supervisor.api.keys key"
    })
public final class GatewayCommand extends CliCommand {
  @Option(
      names = "--registry",
      paramLabel = "URL",
      description =
          "The supervisor's API, e.g. http://10.0.0.5:8090 (with --cluster: only for its models"
              + " and on-demand starts).")
  URI registry;

  @Option(
      names = "--cluster",
      paramLabel = "etcd://H:P,…",
      description =
          "Follow the cluster-wide table from etcd and route to every node"
              + " (supervisor.cluster.endpoints).")
  String cluster;

  @Option(
      names = "--node-name",
      paramLabel = "N",
      description =
          "With --cluster: prefer this node's backends while they have a free slot"
              + " (supervisor.cluster.node-name; default: no preference).")
  String nodeName;

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
          "YAML configuration: supervisor.gateway.*, supervisor.cluster.*, supervisor.cache.*"
              + " (and the models' cache rules) and supervisor.api.keys (client keys).")
  Path configFile;

  @Option(
      names = "--insecure",
      description = "Allow a non-loopback gateway address without client keys.")
  boolean insecure;

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
    if (cluster != null) {
      last.add("supervisor.cluster.endpoints=" + cluster);
    }
    if (nodeName != null) {
      last.add("supervisor.cluster.node-name=" + nodeName);
    }
    GatewayOptions options;
    ConversationSettings conversations;
    Optional<ClusterSettings> clusterSettings;
    CacheConfig cacheConfig;
    try {
      SupervisorConfig config = new ConfigArgs(configFile, overrides, last).load(System.getenv());
      options = GatewaySettings.options(config, GatewayConfig.of(config), insecure);
      conversations = GatewaySettings.conversations(config);
      clusterSettings = ClusterHandle.followerSettings(config);
      cacheConfig = CacheSettings.config(config);
    } catch (ConfigException | IllegalStateException e) {
      fail(e.getMessage());
      return 1;
    }
    if (registry == null && clusterSettings.isEmpty()) {
      fail("gateway needs --registry URL (one supervisor) or --cluster etcd://H:P (a cluster)");
      return 1;
    }
    if (registry != null && (registry.getScheme() == null || registry.getHost() == null)) {
      fail("--registry must be a URL such as http://127.0.0.1:8090, was " + registry);
      return 1;
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    java.util.concurrent.atomic.AtomicReference<GatewayServer> started =
        new java.util.concurrent.atomic.AtomicReference<>();
    ResponseCache cache =
        CacheSettings.cache(
            cacheConfig,
            meters,
            () -> started.get() == null ? null : started.get().dispatcher().table());
    AutoCloseable gateway;
    int port;
    ConversationStore store = conversations.openStore();
    try {
      if (clusterSettings.isPresent()) {
        // the cluster gateway keeps conversations in memory with the defaults
        ClusterGateway g =
            ClusterGateway.start(
                clusterSettings.get(), registry, apiKey, options, meters, cache, meters::scrape);
        started.set(g.server());
        gateway = g;
        port = g.port();
      } else {
        StandaloneGateway g =
            StandaloneGateway.start(
                registry, apiKey, options, meters, cache, store, meters::scrape);
        started.set(g.server());
        gateway = g;
        port = g.port();
      }
    } catch (RuntimeException e) {
      cache.close();
      store.close();
      fail(e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    gateway.close();
                  } catch (Exception e) {
                    err().println("closing the gateway failed: " + e);
                  }
                  cache.close();
                  store.close();
                  stopped.countDown();
                },
                "shutdown"));
    out().println("gateway listening on http://" + options.host() + ":" + port);
    out().flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
