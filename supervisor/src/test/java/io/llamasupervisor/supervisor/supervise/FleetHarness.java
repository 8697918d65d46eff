package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.health.HttpCanaryProbe;
import io.llamasupervisor.health.HttpHealthProbe;
import io.llamasupervisor.health.HttpSlotsProbe;
import io.llamasupervisor.process.DefaultProcessLauncher;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.process.ProcessLauncher;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.catalog.ModelCatalog;
import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@link FleetSupervisor} over a temporary models directory, with fake llama-server
 * processes (testkit) launched through the real process control, probes and routing table. Short
 * timings come from the YAML given to {@link #start}.
 */
public final class FleetHarness implements AutoCloseable {
  /**
   * Fast timings for tests, but production liveness (a server slowed by other JVMs is not taken for
   * hung); tests that want an unhealthy verdict pass {@link #FAST_LIVENESS}.
   */
  static final String BASE_YAML =
      """
      supervisor:
        catalog:
          poll-interval: 100ms
          stable-after: 100ms
          watch: false
        defaults:
          ctx-size: 256
          parallel: 2
          threads: 1
        supervision:
          resync-interval: 200ms
          stop-grace: 2s
          restart:
            initial-backoff: 300ms
            max-backoff: 2s
            jitter: 0
            max-start-failures: 2
          liveness:
            interval: 5s
            timeout: 2s
            failure-threshold: 3
          drain:
            linger: 300ms
            timeout: 10s
      """;

  /** Liveness that declares a hung server unhealthy within about a second. */
  static final String[] FAST_LIVENESS = {
    "supervisor.supervision.liveness.interval=300ms",
    "supervisor.supervision.liveness.timeout=200ms",
    "supervisor.supervision.liveness.failure-threshold=2"
  };

  public final Path root;
  public final Path models;
  public final Path binary;

  /** First port of the instances' range; below Linux's ephemeral ports (32768+). */
  public int firstPort;

  public RoutingRegistry routes;
  public DefaultProcessLauncher launcher;
  public FleetSupervisor fleet;
  public PortAllocator ports;

  /** Wraps the real launcher before the supervisor gets it (tests that delay or fail starts). */
  public java.util.function.UnaryOperator<ProcessLauncher> launcherWrapper = l -> l;

  public FleetHarness(Path root) throws IOException {
    this.root = root;
    this.models = Files.createDirectories(root.resolve("models"));
    Path installed = root.resolve("bin/llama-server");
    // a rewritten binary would count as an upgrade: install once per directory
    this.binary =
        Files.isExecutable(installed)
            ? installed
            : FakeLlamaServer.installExecutable(root.resolve("bin"));
    this.firstPort = 20000 + ThreadLocalRandom.current().nextInt(120) * 100;
  }

  /** Writes a small llama model (head dim 32, training context 2048) at {@code relative}.gguf. */
  public Path model(String relative) throws IOException {
    return GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve(relative + ".gguf"));
  }

  /**
   * Starts the supervisor with {@link #BASE_YAML} plus {@code overrides} such as {@code
   * supervisor.models."crash*".env.FAKE_LLAMA_EXIT_AFTER_MS=1500}.
   */
  public FleetHarness start(String... overrides) throws IOException {
    return start(LlamaServerBinary.resolve(binary.toString(), Map.of()), overrides);
  }

  public FleetHarness start(LlamaServerBinary llamaServer, String... overrides) throws IOException {
    Path config = root.resolve("config.yml");
    Files.writeString(config, BASE_YAML);
    List<String> all = new java.util.ArrayList<>(List.of(overrides));
    all.add("supervisor.models-dir=" + models);
    SupervisorConfig sc = new ConfigLoader().load(config, all);
    ServeConfig serve = ServeConfig.of(sc, root.resolve("state"));
    Clock clock = Clock.systemUTC();
    routes = new RoutingRegistry(clock);
    launcher = new DefaultProcessLauncher(clock);
    ports = new PortAllocator(firstPort, firstPort + 99, InetAddress.getLoopbackAddress());
    SupervisorSettings settings = serve.supervision();
    fleet =
        new FleetSupervisor(
            settings,
            new ModelCatalog(sc.catalog(), clock),
            new LaunchPlanner(sc.launch()),
            llamaServer,
            launcherWrapper.apply(launcher),
            ports,
            new HttpHealthProbe(),
            settings.liveness().canaryEnabled()
                ? new HttpCanaryProbe(HttpCanaryProbe.Endpoint.COMPLETION)
                : null,
            new HttpSlotsProbe(),
            routes,
            clock);
    fleet.start();
    return this;
  }

  /** Reloads the configuration: {@link #BASE_YAML} plus {@code overrides}. */
  public void reconfigure(String... overrides) {
    List<String> all = new java.util.ArrayList<>(List.of(overrides));
    all.add("supervisor.models-dir=" + models);
    SupervisorConfig sc = new ConfigLoader().load(root.resolve("config.yml"), all);
    fleet.reconfigure(new LaunchPlanner(sc.launch()));
  }

  /**
   * The launch plan's memory estimate of the model at {@code relative}.gguf with {@link #BASE_YAML}
   * plus {@code overrides}: what the memory budget counts for one instance of it.
   */
  public long estimate(String relative, String... overrides) throws Exception {
    Path config = root.resolve("config.yml");
    Files.writeString(config, BASE_YAML);
    List<String> all = new java.util.ArrayList<>(List.of(overrides));
    all.add("supervisor.models-dir=" + models);
    SupervisorConfig sc = new ConfigLoader().load(config, all);
    return new LaunchPlanner(sc.launch())
        .plan(
            io.llamasupervisor.supervisor.launch.ModelSpec.of(
                relative,
                io.llamasupervisor.gguf.GgufReader.read(models.resolve(relative + ".gguf"))),
            java.util.OptionalInt.empty())
        .memory()
        .totalBytes();
  }

  public ModelStatus status(String id) {
    return fleet.model(id).orElseThrow(() -> new AssertionError("no model " + id));
  }

  public ModelStatus await(String id, Predicate<ModelStatus> condition, Duration atMost) {
    return org.awaitility.Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> fleet.model(id).orElse(null), s -> s != null && condition.test(s));
  }

  public ModelStatus awaitState(String id, String state, Duration atMost) {
    return await(id, s -> s.state().equals(state), atMost);
  }

  @Override
  public void close() {
    if (fleet != null) {
      fleet.close();
    }
    if (launcher != null) {
      launcher.close();
    }
    if (routes != null) {
      routes.close();
    }
  }

  /**
   * The base of tests that run each test on a fresh harness: before each test {@link #h} is a
   * harness over the test's own temporary directory {@link #dir}, not started and without models;
   * after the test it is closed.
   */
  abstract static class PerTest {
    /** How long a test waits for the fleet to get where it should. */
    static final Duration LONG = Duration.ofSeconds(30);

    @TempDir Path dir;
    FleetHarness h;

    @BeforeEach
    final void createHarness() throws IOException {
      h = new FleetHarness(dir);
    }

    @AfterEach
    final void closeHarness() {
      h.close();
    }
  }

  /** A {@link PerTest} whose harness holds one model, {@link #ID}, before each test. */
  abstract static class OneModel extends PerTest {
    static final String ID = "pub/repo/m";

    @BeforeEach
    final void writeModel() throws IOException {
      h.model(ID);
    }
  }
}
