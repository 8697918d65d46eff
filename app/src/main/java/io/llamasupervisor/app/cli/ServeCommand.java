package io.llamasupervisor.app.cli;

import io.llamasupervisor.api.ApiServer;
import io.llamasupervisor.api.ApiSettings;
import io.llamasupervisor.api.ClusterScope;
import io.llamasupervisor.api.FleetMeters;
import io.llamasupervisor.app.ClassPreload;
import io.llamasupervisor.app.gateway.CacheSettings;
import io.llamasupervisor.app.gateway.FleetModelDirectory;
import io.llamasupervisor.app.gateway.FleetModelStarter;
import io.llamasupervisor.app.gateway.GatewayFleetTraffic;
import io.llamasupervisor.app.gateway.GatewaySettings;
import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.cluster.ClusterNode;
import io.llamasupervisor.cluster.ClusterSettings;
import io.llamasupervisor.gateway.GatewayOptions;
import io.llamasupervisor.gateway.GatewayServer;
import io.llamasupervisor.gateway.conversation.ConversationSettings;
import io.llamasupervisor.gateway.conversation.ConversationStore;
import io.llamasupervisor.health.HttpCanaryProbe;
import io.llamasupervisor.health.HttpHealthProbe;
import io.llamasupervisor.health.HttpSlotsProbe;
import io.llamasupervisor.process.DefaultProcessLauncher;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.catalog.ModelCatalog;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.GatewayConfig;
import io.llamasupervisor.supervisor.config.MemoryConfig;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.launch.LaunchConfig;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.memory.DeviceInventory;
import io.llamasupervisor.supervisor.supervise.FleetSupervisor;
import io.llamasupervisor.supervisor.supervise.LlamaServerBinary;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code serve}: catalogs and verifies the models directory, keeps one llama-server per verified
 * model running, and serves the registry API. Runs until SIGTERM/SIGINT, which stop every instance
 * (unless {@code --keep-instances-on-exit}).
 */
@Command(
    name = "serve",
    description = "Catalog, verify and supervise every model in a directory; serve the API.",
    footer = {
      "",
      "      --supervisor.KEY=VALUE",
      "                            Any configuration key, e.g.",
      "                              --supervisor.defaults.parallel=2"
    })
public final class ServeCommand extends CliCommand {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin ConfigOptions configOptions;

  /** {@code --supervisor.KEY=VALUE} arguments. */
  @Unmatched List<String> unmatched = new ArrayList<>();

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "Port of the API (supervisor.api.port, default 8090).")
  String port;

  @Option(
      names = "--host",
      paramLabel = "H",
      description = "Address of the API (supervisor.api.host, default 127.0.0.1).")
  String host;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "State file and instance logs (default <models-dir>/.llama-supervisor).")
  String stateDir;

  @Option(
      names = "--keep-instances-on-exit",
      description = "Leave the llama-servers running on exit; the next serve adopts them.")
  boolean keepInstancesOnExit;

  @Option(
      names = "--insecure",
      description = "Allow non-loopback API and gateway addresses without API keys.")
  boolean insecure;

  @Option(
      names = "--cluster",
      paramLabel = "etcd://H:P,…",
      description =
          "Join a cluster: publish this node's routes to etcd and serve the merged table"
              + " (supervisor.cluster.endpoints).")
  String cluster;

  @Option(
      names = "--node-name",
      paramLabel = "N",
      description =
          "This node's name in the cluster, unique among live nodes (supervisor.cluster.node-name,"
              + " default: the host name).")
  String nodeName;

  @Option(
      names = "--advertise-host",
      paramLabel = "H",
      description =
          "Host other nodes reach this node's llama-servers on (supervisor.cluster.advertise-host,"
              + " default: the node name).")
  String advertiseHost;

  @Option(
      names = "--gateway-port",
      paramLabel = "N",
      description = "Port of the gateway (supervisor.gateway.port, default 8080).")
  String gatewayPort;

  @Option(
      names = "--gateway-host",
      paramLabel = "H",
      description = "Address of the gateway (supervisor.gateway.host, default 127.0.0.1).")
  String gatewayHost;

  @Override
  public Integer call() {
    ConfigArgs parsed = configOptions.args(spec.commandLine(), unmatched);
    Map<String, String> env = System.getenv();
    if (port != null) {
      parsed.override("supervisor.api.port=" + port);
    }
    if (host != null) {
      parsed.override("supervisor.api.host=" + host);
    }
    if (stateDir != null) {
      parsed.override("supervisor.state-dir=" + stateDir);
    }
    if (keepInstancesOnExit) {
      parsed.override("supervisor.supervision.keep-instances-on-exit=true");
    }
    if (cluster != null) {
      parsed.override("supervisor.cluster.endpoints=" + cluster);
    }
    if (nodeName != null) {
      parsed.override("supervisor.cluster.node-name=" + nodeName);
    }
    if (advertiseHost != null) {
      parsed.override("supervisor.cluster.advertise-host=" + advertiseHost);
    }
    if (gatewayPort != null) {
      parsed.override("supervisor.gateway.port=" + gatewayPort);
    }
    if (gatewayHost != null) {
      parsed.override("supervisor.gateway.host=" + gatewayHost);
    }
    SupervisorConfig config;
    GatewayOptions gatewayOptions;
    CacheConfig cacheConfig;
    ConversationSettings conversationSettings;
    ServeConfig serve;
    ApiSettings apiSettings;
    Optional<ClusterSettings> clusterSettings;
    Path modelsDir;
    try {
      config = parsed.load(env);
      modelsDir = config.requireModelsDir();
      if (!Files.isDirectory(modelsDir)) {
        fail("models directory " + modelsDir + " is not a directory");
        return 1;
      }
      Settings settings = settings(config, modelsDir, insecure);
      serve = settings.serve();
      apiSettings = settings.api();
      clusterSettings = settings.cluster();
      gatewayOptions = settings.gateway();
      cacheConfig = settings.cache();
      conversationSettings = settings.conversations();
    } catch (ConfigException | IllegalStateException e) {
      fail(e.getMessage());
      return 1;
    }
    LlamaServerBinary binary = binary(config, env);
    DeviceInventory inventory =
        DeviceInventory.forHost(binary.path().map(Path::toString).orElse(null));
    HostDevices hostDevices = new HostDevices(inventory, binary.found());
    try {
      hostDevices.check(serve.supervision().memory());
    } catch (ConfigException e) {
      fail(e.getMessage());
      return 1;
    }
    StateDirLock lock;
    try {
      lock = StateDirLock.acquire(serve.supervision().stateDir());
    } catch (IllegalStateException e) {
      fail(e.getMessage());
      return 1;
    }
    InetAddress instanceHost;
    try {
      instanceHost = InetAddress.getByName(config.launch().defaults().host());
    } catch (UnknownHostException e) {
      fail("supervisor.defaults.host: cannot resolve " + e.getMessage());
      return 1;
    }

    Clock clock = Clock.systemUTC();
    RoutingRegistry routes = new RoutingRegistry(clock);
    DefaultProcessLauncher launcher = new DefaultProcessLauncher(clock);
    ModelCatalog catalog = new ModelCatalog(config.catalog(), clock);
    var supervision = serve.supervision();
    FleetSupervisor fleet =
        new FleetSupervisor(
            supervision,
            catalog,
            new LaunchPlanner(config.launch()),
            binary,
            launcher,
            new PortAllocator(serve.firstPort(), serve.lastPort(), instanceHost),
            new HttpHealthProbe(),
            supervision.liveness().canaryEnabled()
                ? new HttpCanaryProbe(HttpCanaryProbe.Endpoint.COMPLETION)
                : null,
            new HttpSlotsProbe(),
            routes,
            clock);
    // devices for an `auto` memory budget and for seeing memory freed by an eviction
    fleet.setDeviceReader(inventory.reader());
    LOG.info(
        "models dir {}, state dir {}, llama-server {}",
        modelsDir,
        supervision.stateDir(),
        binary.path().map(Path::toString).orElse("NOT FOUND"));
    // the one meter registry of the process: GET /metrics renders it (a gateway registers on it
    // too)
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FleetMeters meters = new FleetMeters(metrics);
    fleet.setMetrics(meters);
    catalog.addListener(meters);
    // the hook is in place before anything starts: a SIGTERM at any moment stops what runs
    AtomicReference<ApiServer> api = new AtomicReference<>();
    AtomicReference<ClusterNode> clusterNode = new AtomicReference<>();
    AtomicReference<GatewayServer> gateway = new AtomicReference<>();
    AtomicReference<ResponseCache> cache = new AtomicReference<>();
    AtomicReference<ConversationStore> conversations = new AtomicReference<>();
    AtomicReference<ConfigReloader> reloader = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("shutting down");
                  // leave the cluster first: other nodes stop routing here while we drain
                  Optional.ofNullable(clusterNode.get()).ifPresent(ClusterNode::close);
                  Optional.ofNullable(reloader.get()).ifPresent(ConfigReloader::close);
                  Optional.ofNullable(gateway.get()).ifPresent(GatewayServer::close);
                  Optional.ofNullable(cache.get()).ifPresent(ResponseCache::close);
                  Optional.ofNullable(conversations.get()).ifPresent(ConversationStore::close);
                  Optional.ofNullable(api.get()).ifPresent(ApiServer::close);
                  fleet.close();
                  launcher.close();
                  routes.close();
                  lock.close();
                  stopped.countDown();
                },
                "shutdown"));
    fleet.start();
    clusterSettings.ifPresent(c -> clusterNode.set(ClusterHandle.start(c, routes, clock, metrics)));
    try {
      api.set(
          ApiHandle.start(
              fleet,
              routes,
              meters,
              apiSettings,
              Optional.ofNullable(clusterNode.get())
                  .map(ClusterHandle::scope)
                  .orElse(ClusterScope.NONE)));
      if (gatewayOptions != null) {
        ClusterNode inCluster = clusterNode.get();
        cache.set(
            CacheSettings.cache(
                cacheConfig,
                metrics,
                () ->
                    Optional.ofNullable(gateway.get())
                        .map(g -> g.dispatcher().table())
                        .orElse(null)));
        conversations.set(conversationSettings.openStore());
        GatewayServer server =
            new GatewayServer(
                gatewayOptions,
                // in a cluster the gateway routes to READY backends on every node
                inCluster == null ? routes::subscribe : inCluster.routes()::subscribe,
                new FleetModelDirectory(fleet, supervision),
                new FleetModelStarter(fleet),
                metrics,
                cache.get(),
                conversations.get());
        if (inCluster != null) {
          // prefer-local: this node's backends first while they have a free slot
          server.dispatcher().preferLocal(inCluster::isLocal);
        }
        gateway.set(server.start());
        // the drain of a replaced generation and the idle stop follow the gateway's own counts
        fleet.setTraffic(
            inCluster == null
                ? new GatewayFleetTraffic(server.traffic())
                : new GatewayFleetTraffic(server.traffic(), inCluster::advertisedUrl));
      }
    } catch (RuntimeException e) {
      fail(startupProblem(e));
      return 1; // the shutdown hook stops the instances
    }
    parsed
        .configFile()
        .ifPresent(
            f -> reloader.set(ConfigReloader.watch(f, parsed, env, fleet, hostCheck(hostDevices))));
    ClassPreload.startInBackground();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static final java.util.regex.Pattern NATIVE_ERROR =
      java.util.regex.Pattern.compile("\\S+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ");

  /**
   * What went wrong starting the API or the gateway, in words and without exception class names: an
   * {@link java.io.UncheckedIOException} stands for its cause, and an OS error reported by Netty's
   * native transport ({@code bind(..) failed with error(-98): Address already in use}) reads {@code
   * address already in use}.
   */
  static String startupProblem(RuntimeException e) {
    Throwable t =
        e instanceof java.io.UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    java.util.regex.Matcher m = NATIVE_ERROR.matcher(message);
    if (m.find()) {
      message =
          message.substring(0, m.start())
              + message.substring(m.end()).toLowerCase(java.util.Locale.ROOT);
    }
    return message.replace("Address already in use", "address already in use");
  }

  /**
   * Everything {@code serve} binds from a configuration before it starts anything.
   *
   * @param gateway null when {@code supervisor.gateway.enabled} is false
   */
  record Settings(
      ServeConfig serve,
      ApiSettings api,
      Optional<ClusterSettings> cluster,
      GatewayOptions gateway,
      CacheConfig cache,
      ConversationSettings conversations) {}

  /**
   * Binds every section {@code serve} reads (supervision, API and its keys, cluster, gateway,
   * cache, conversations) and checks the binding rules; {@code plan} calls it too, so that it
   * refuses what {@code serve} refuses.
   *
   * @param insecure {@code --insecure}: API and gateway addresses open to the network without keys
   *     are allowed
   * @throws ConfigException naming the key, the value and what is allowed
   * @throws IllegalStateException when the binding rules refuse an address
   */
  static Settings settings(SupervisorConfig config, Path modelsDir, boolean insecure) {
    ServeConfig serve = ServeConfig.of(config, defaultStateDir(modelsDir));
    ApiSettings api = ApiHandle.settings(config, serve, insecure);
    Optional<ClusterSettings> cluster = ClusterHandle.settings(config);
    GatewayConfig gatewayConfig = GatewayConfig.of(config);
    GatewayOptions gateway =
        gatewayConfig.enabled() ? GatewaySettings.options(config, gatewayConfig, insecure) : null;
    return new Settings(
        serve,
        api,
        cluster,
        gateway,
        CacheSettings.config(config),
        GatewaySettings.conversations(config));
  }

  /**
   * What a reloaded configuration must pass beyond its own validation: its memory budget names
   * devices of this host ({@link HostDevices#check}).
   */
  static java.util.function.Consumer<SupervisorConfig> hostCheck(HostDevices devices) {
    return c -> devices.check(MemoryConfig.of(c));
  }

  /**
   * The llama-server binary: {@code supervisor.llama-server} when set to something other than the
   * default name, else {@code LLAMA_SERVER_BIN}, else the default name on {@code PATH}.
   */
  static LlamaServerBinary binary(SupervisorConfig config, Map<String, String> env) {
    String configured = config.launch().llamaServer();
    return LlamaServerBinary.resolve(
        configured.equals(LaunchConfig.DEFAULT_BINARY) ? null : configured, env);
  }

  /** {@code <models-dir>/.llama-supervisor} when writable, else the user's state directory. */
  static Path defaultStateDir(Path modelsDir) {
    return defaultStateDir(modelsDir, Files::isWritable, Path.of(System.getProperty("user.home")));
  }

  /**
   * {@code <models-dir>/.llama-supervisor} when the models directory (or that directory itself) is
   * writable, else {@code <home>/.local/state/llama-supervisor/<12 hex digits>}, a hash of the
   * absolute models directory: one state directory per models directory, so two supervisors of two
   * read-only directories never share a state file.
   */
  static Path defaultStateDir(Path modelsDir, Predicate<Path> writable, Path home) {
    Path inModels = modelsDir.resolve(".llama-supervisor");
    if (writable.test(modelsDir) || writable.test(inModels)) {
      return inModels;
    }
    String key =
        io.llamasupervisor.process.ProcessIdentity.argvHash(
                List.of(modelsDir.toAbsolutePath().normalize().toString()))
            .substring(0, 12);
    return home.resolve(".local").resolve("state").resolve("llama-supervisor").resolve(key);
  }
}
