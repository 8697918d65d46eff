package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.health.ProbeResult;
import io.llamasupervisor.health.SlotsProbe;
import io.llamasupervisor.health.SlotsResult;
import io.llamasupervisor.health.testing.FakeHealthProbe;
import io.llamasupervisor.process.PortAllocator;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.catalog.ModelCatalog;
import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.testing.ManualScheduler;
import io.llamasupervisor.testing.MutableClock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@link FleetSupervisor} on manual time: its state thread, probes, spawns and catalog polls
 * all run on one {@link ManualScheduler}, on the test's thread, only when the test {@link #advance
 * advances} the clock (or {@link #settle settles} what is due now). Processes are {@link
 * FakeProcesses}, health answers come from a {@link FakeHealthProbe} (ready unless scripted
 * otherwise), slots from {@link #slots}. Queries of the fleet run on the caller's thread, which is
 * then the state thread.
 */
final class ManualFleet implements AutoCloseable {
  static final String BASE_YAML =
      """
      supervisor:
        catalog:
          poll-interval: 1h
          stable-after: 1s
          watch: false
        defaults:
          ctx-size: 256
          parallel: 2
          threads: 1
        supervision:
          resync-interval: 5s
          stop-grace: 2s
          restart:
            initial-backoff: 1s
            max-backoff: 8s
            jitter: 0
            max-start-failures: 2
          drain:
            linger: 2s
            timeout: 30s
      """;

  final MutableClock clock = MutableClock.atEpochOfTests();
  final ManualScheduler scheduler = new ManualScheduler(clock);
  final FakeProcesses processes = new FakeProcesses(clock);
  final FakeHealthProbe health = new FakeHealthProbe(clock, scheduler, ProbeResult.ready());
  final RoutingRegistry routes = new RoutingRegistry(clock);
  final Path root;
  final Path models;

  /** What the next slots probes answer (default: every slot idle); null makes the probe throw. */
  final AtomicReference<SlotsResult> slotsAnswer =
      new AtomicReference<>(new SlotsResult.Known(0, OptionalInt.of(2), SlotsResult.Source.SLOTS));

  final List<String> slotsCalls = new ArrayList<>();
  final SlotsProbe slots =
      (base, timeout) -> {
        synchronized (slotsCalls) {
          slotsCalls.add(base.toString());
        }
        SlotsResult answer = slotsAnswer.get();
        if (answer == null) {
          throw new IllegalStateException("slots probe broken (test)");
        }
        return CompletableFuture.completedFuture(answer);
      };

  FleetSupervisor fleet;
  SupervisorSettings settings;
  private final int firstPort = 41000 + (int) (Math.random() * 40) * 100;

  ManualFleet(Path root) throws IOException {
    this.root = root;
    this.models = Files.createDirectories(root.resolve("models"));
  }

  /** A small llama model (head dim 32) at {@code id}.gguf. */
  Path model(String id) throws IOException {
    return GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve(id + ".gguf"));
  }

  /**
   * Starts the supervisor with {@link #BASE_YAML} plus {@code overrides}, then lets the catalog see
   * the model files as stable (one stable-after later), so accepted models are being started.
   */
  ManualFleet start(String... overrides) throws IOException {
    Path bin = Files.createDirectories(root.resolve("bin")).resolve("llama-server");
    if (!Files.exists(bin)) {
      Files.writeString(bin, "#!/bin/sh\nexit 1\n");
      Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Path config = root.resolve("config.yml");
    Files.writeString(config, BASE_YAML);
    List<String> all = new ArrayList<>(List.of(overrides));
    all.add("supervisor.models-dir=" + models);
    SupervisorConfig sc = new ConfigLoader().load(config, all);
    ServeConfig serve = ServeConfig.of(sc, root.resolve("state"));
    settings = serve.supervision();
    fleet =
        new FleetSupervisor(
            settings,
            new ModelCatalog(sc.catalog(), clock, scheduler),
            new LaunchPlanner(sc.launch(), 2),
            LlamaServerBinary.resolve(bin.toString(), Map.of()),
            processes,
            new PortAllocator(firstPort, firstPort + 99, InetAddress.getLoopbackAddress()),
            health,
            null,
            slots,
            routes,
            clock,
            new StateThread(scheduler, true),
            scheduler,
            scheduler::execute);
    fleet.start();
    discover();
    return this;
  }

  /** Lets the catalog see the current files as stable: one stable-after later, a poll. */
  void discover() {
    advance(Duration.ofSeconds(1));
    fleet.rescan();
    settle();
  }

  /** Runs everything due now (events, and the events they post). */
  void settle() {
    scheduler.runDue();
  }

  /** Moves time forward, running every task that falls due. */
  void advance(Duration d) {
    scheduler.advance(d);
  }

  ModelStatus status(String id) {
    return fleet.model(id).orElseThrow(() -> new AssertionError("no model " + id));
  }

  @Override
  public void close() {
    if (fleet != null) {
      fleet.close();
    }
    routes.close();
  }

  /**
   * The base of tests that run each test on a fresh manual fleet: before each test {@link #f} is a
   * fleet over the test's own temporary directory {@link #dir}, not started and without models;
   * after the test it is closed.
   */
  abstract static class PerTest {
    @TempDir Path dir;
    ManualFleet f;

    @BeforeEach
    final void createFleet() throws IOException {
      f = new ManualFleet(dir);
    }

    @AfterEach
    final void closeFleet() {
      f.close();
    }
  }

  /** A {@link PerTest} whose fleet holds one model, {@link #ID}, before each test. */
  abstract static class OneModel extends PerTest {
    static final String ID = "pub/repo/m";

    @BeforeEach
    final void writeModel() throws IOException {
      f.model(ID);
    }
  }
}
