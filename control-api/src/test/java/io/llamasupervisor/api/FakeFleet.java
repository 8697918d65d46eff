package io.llamasupervisor.api;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.gguf.Reason;
import io.llamasupervisor.supervisor.catalog.CatalogEntry;
import io.llamasupervisor.supervisor.catalog.CatalogFile;
import io.llamasupervisor.supervisor.catalog.ModelSummary;
import io.llamasupervisor.supervisor.launch.LaunchConfig;
import io.llamasupervisor.supervisor.launch.LaunchPlan;
import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import io.llamasupervisor.supervisor.launch.ModelSpec;
import io.llamasupervisor.supervisor.supervise.Decision;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.llamasupervisor.supervisor.supervise.ReasonCode;
import io.llamasupervisor.supervisor.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written {@link Fleet}: models and log lines set by the test, commands recorded. Models are
 * real statuses of the tiny llama fixture (a real catalog entry and launch plan).
 */
final class FakeFleet implements Fleet {
  static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  private final Map<String, ModelStatus> models = new TreeMap<>();
  private final Map<String, List<String>> logs = new ConcurrentHashMap<>();
  final List<String> commands = new CopyOnWriteArrayList<>();
  final AtomicInteger rescans = new AtomicInteger();
  final AtomicInteger logCalls = new AtomicInteger();

  /** Thrown by the next {@link #logs} call, then cleared. */
  volatile RuntimeException failNextLogs;

  /** When set, {@link #models()} waits for it (a stuck supervisor). */
  volatile CountDownLatch stuck;

  private static GgufFile header;
  private static Path dir;

  synchronized FakeFleet put(ModelStatus m) {
    models.put(m.id(), m);
    return this;
  }

  synchronized FakeFleet remove(String id) {
    models.remove(id);
    logs.remove(id);
    return this;
  }

  /** Replaces the log lines of {@code id}. */
  void setLogs(String id, List<String> lines) {
    logs.put(id, List.copyOf(lines));
  }

  /** Appends log lines to {@code id}. */
  synchronized void appendLogs(String id, String... lines) {
    List<String> all = new ArrayList<>(logs.getOrDefault(id, List.of()));
    all.addAll(List.of(lines));
    logs.put(id, List.copyOf(all));
  }

  @Override
  public List<ModelStatus> models() {
    awaitUnstuck();
    synchronized (this) {
      return List.copyOf(models.values());
    }
  }

  @Override
  public synchronized Optional<ModelStatus> model(String idOrAlias) {
    ModelStatus m = models.get(idOrAlias);
    if (m != null) {
      return Optional.of(m);
    }
    return models.values().stream().filter(s -> idOrAlias.equals(s.alias())).findFirst();
  }

  @Override
  public Optional<List<String>> logs(String idOrAlias, int n) {
    logCalls.incrementAndGet();
    RuntimeException failure = failNextLogs;
    if (failure != null) {
      failNextLogs = null;
      throw failure;
    }
    return model(idOrAlias)
        .map(
            m -> {
              List<String> all = logs.getOrDefault(m.id(), List.of());
              return all.subList(Math.max(0, all.size() - n), all.size());
            });
  }

  @Override
  public CommandResult operatorStart(String idOrAlias) {
    return command("start", idOrAlias);
  }

  @Override
  public CommandResult operatorStop(String idOrAlias) {
    return command("stop", idOrAlias);
  }

  @Override
  public CommandResult operatorRestart(String idOrAlias) {
    return command("restart", idOrAlias);
  }

  @Override
  public CommandResult load(String idOrAlias) {
    return command("load", idOrAlias);
  }

  @Override
  public CommandResult unload(String idOrAlias) {
    return command("unload", idOrAlias);
  }

  /** What {@link #memory()} answers. */
  volatile io.llamasupervisor.supervisor.memory.MemoryReport memory =
      io.llamasupervisor.supervisor.memory.MemoryReport.NONE;

  @Override
  public io.llamasupervisor.supervisor.memory.MemoryReport memory() {
    return memory;
  }

  private CommandResult command(String action, String idOrAlias) {
    Optional<ModelStatus> m = model(idOrAlias);
    if (m.isEmpty()) {
      return CommandResult.NOT_FOUND;
    }
    if (m.get().entry() != null && !m.get().entry().accepted()) {
      return CommandResult.REJECTED_MODEL;
    }
    commands.add(action + " " + m.get().id());
    return CommandResult.ACCEPTED;
  }

  @Override
  public void rescan() {
    rescans.incrementAndGet();
  }

  private void awaitUnstuck() {
    CountDownLatch latch = stuck;
    if (latch != null) {
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ------------------------------------------------------------------ statuses

  /** The tiny llama fixture's header, read once. */
  static synchronized GgufFile header() {
    if (header == null) {
      try {
        dir = Files.createTempDirectory("api-fleet");
        header = GgufReader.read(Fixtures.copy(Fixtures.TINY_LLAMA, dir.resolve("tiny.gguf")));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return header;
  }

  /** An accepted model with one instance in {@code instanceState} (none when null). */
  static ModelStatus accepted(
      String id, String alias, String state, String instanceState, int port) {
    GgufFile h = header();
    CatalogEntry entry =
        new CatalogEntry(
            id,
            alias,
            h.path(),
            List.of(new CatalogFile(h.path(), 1_000_000, T0, null)),
            null,
            null,
            "ok",
            ModelSummary.of(h),
            h,
            h.tensorBytes(),
            0,
            List.of());
    LaunchPlan plan =
        new LaunchPlanner(LaunchConfig.builtIn(), 2)
            .plan(
                new ModelSpec(id, alias, h.path(), null, h, h.tensorBytes(), 0),
                OptionalInt.empty());
    List<ModelStatus.InstanceStatus> instances =
        instanceState == null
            ? List.of()
            : List.of(
                new ModelStatus.InstanceStatus(
                    1,
                    instanceState,
                    4242,
                    port,
                    "http://127.0.0.1:" + port,
                    T0.plusSeconds(3),
                    T0,
                    false,
                    plan.withPort(port).argv()));
    return status(
        id,
        alias,
        state,
        Decision.of(ReasonCode.READY, "ready after 3000 ms", T0.plusSeconds(3)),
        instances,
        entry,
        plan,
        new io.llamasupervisor.supervisor.memory.ModelMemory(
            plan.memory().totalBytes(), null, 0, false, 0, null, null, null));
  }

  /** A model rejected by verification. */
  static ModelStatus rejected(String id) {
    GgufFile h = header();
    CatalogEntry entry =
        new CatalogEntry(
            id,
            null,
            h.path(),
            List.of(new CatalogFile(h.path(), 100, T0, null)),
            null,
            Reason.TRUNCATED,
            "file ends inside tensor data",
            null,
            null,
            0,
            0,
            List.of());
    return status(
        id,
        null,
        "rejected",
        Decision.of(ReasonCode.REJECTED, "TRUNCATED: file ends inside tensor data", T0),
        List.of(),
        entry,
        null,
        null);
  }

  /**
   * A status without restarts, rollout or warnings, started {@code always} with one replica and no
   * ttl.
   */
  private static ModelStatus status(
      String id,
      String alias,
      String state,
      Decision lastDecision,
      List<ModelStatus.InstanceStatus> instances,
      CatalogEntry entry,
      LaunchPlan plan,
      io.llamasupervisor.supervisor.memory.ModelMemory memory) {
    return new ModelStatus(
        id,
        alias,
        state,
        0,
        0,
        null,
        null,
        lastDecision,
        null,
        instances,
        entry,
        plan,
        "always",
        null,
        1,
        List.of(),
        memory);
  }

  // ---------------------------------------------------------------- events

  private final List<
          java.util.function.Consumer<io.llamasupervisor.supervisor.supervise.FleetEvent>>
      listeners = new CopyOnWriteArrayList<>();

  @Override
  public Subscription subscribe(
      java.util.function.Consumer<io.llamasupervisor.supervisor.supervise.FleetEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Hands {@code e} to every subscriber, like the supervisor's state thread does. */
  void emit(io.llamasupervisor.supervisor.supervise.FleetEvent e) {
    listeners.forEach(l -> l.accept(e));
  }
}
