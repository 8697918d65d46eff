package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.client.RegistryClient;
import io.llamasupervisor.registry.client.RegistryWatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The zero-downtime check behind {@code bench swap}: runs clients that follow the routing table
 * (each through its own blocking watch) and send requests to the model's READY backends, triggers
 * {@code swaps} restarts in a row while they run, and accounts every request.
 *
 * <p>Sequence: wait until the model lists a READY backend; measure the token pace (unless given);
 * start the clients; wait {@code interval}; then for each swap: restart, wait until it completes
 * (new generation READY, old ones gone), wait {@code interval}. Finally stop the clients, let the
 * requests in flight finish (at most the longest stream plus the request timeout) and report.
 */
public final class SwapBench {
  private final SwapBenchOptions options;
  private final Clock clock;
  private final Consumer<String> progress;

  private SwapBench(SwapBenchOptions options, Clock clock, Consumer<String> progress) {
    this.options = options;
    this.clock = clock;
    this.progress = progress;
  }

  /**
   * Runs the bench with the system clock and no progress output.
   *
   * @throws BenchException when the bench cannot start (registry unreachable, model without a READY
   *     backend, failing token-pace probe)
   */
  public static SwapBenchReport run(SwapBenchOptions options) {
    return run(options, Clock.systemUTC(), line -> {});
  }

  /**
   * Runs the bench; {@code progress} receives one line per step (for a terminal).
   *
   * @throws BenchException when the bench cannot start
   */
  public static SwapBenchReport run(
      SwapBenchOptions options, Clock clock, Consumer<String> progress) {
    try {
      return new SwapBench(options, clock, progress).run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted", e);
    }
  }

  private SwapBenchReport run() throws InterruptedException {
    String model = options.model();
    GenerationTimeline shared = new GenerationTimeline(model);
    List<RegistryWatch> watches = new ArrayList<>();
    List<LoadClient> clients = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    Queue<RequestRecord> records = new ConcurrentLinkedQueue<>();
    try (RegistryClient registry =
        RegistryClient.builder(options.registry()).apiKey(options.apiKey()).build()) {
      RouteFollower control = new RouteFollower(model, clock, shared);
      watches.add(registry.watch(control));
      BackendRoute first = awaitReady(control);
      progress.accept(
          "model " + model + ": generation " + first.generation() + " READY at " + first.url());
      String name = control.route().map(ModelRoute::alias).orElse(model);
      double pace = options.tokenPaceMs();
      if (pace == 0) {
        try (BackendTransport probe = transport(false)) {
          pace = TokenPace.measureMs(probe, first, name, clock);
        }
        progress.accept(String.format(Locale.ROOT, "measured token pace: %.2f ms", pace));
      }
      RequestMix mix =
          new RequestMix(
              name,
              options.streamOnly(),
              options.shortTokens(),
              options.streamMin(),
              options.streamMax(),
              pace);
      Instant startedAt = clock.instant();
      for (int i = 0; i < options.clients(); i++) {
        boolean keepAlive = i % 2 == 0;
        RouteFollower view = new RouteFollower(model, clock, shared);
        watches.add(registry.watch(view));
        LoadClient c =
            new LoadClient(
                i,
                keepAlive,
                view,
                transport(keepAlive),
                mix,
                new Random(options.seed() * 1_000_003L + i),
                clock,
                records::add,
                LoadClient.GAP_WAIT);
        clients.add(c);
        Thread t = new Thread(c, "bench-client-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      progress.accept(
          options.clients()
              + " clients running (streams of "
              + mix.minStreamTokens()
              + "-"
              + mix.maxStreamTokens()
              + " tokens)");
      List<SwapResult> swaps = swaps(control, shared);
      stop(clients, threads);
      Instant endedAt = clock.instant();
      int stale = clients.stream().mapToInt(LoadClient::staleRetries).sum();
      return SwapBenchReport.of(
          options,
          new SwapBenchReport.RunInfo(
              startedAt, endedAt, pace, mix.minStreamTokens(), mix.maxStreamTokens(), stale),
          List.copyOf(records),
          swaps,
          shared.switches());
    } finally {
      clients.forEach(LoadClient::abort);
      watches.forEach(RegistryWatch::close);
    }
  }

  private List<SwapResult> swaps(RouteFollower control, GenerationTimeline shared)
      throws InterruptedException {
    SwapDriver driver =
        new SwapDriver(
            options.model(),
            control,
            shared,
            new RegistryRestart(options.registry(), options.apiKey(), Duration.ofSeconds(30)),
            clock,
            options.swapTimeout());
    List<SwapResult> results = new ArrayList<>();
    pause(options.interval());
    for (int n = 1; n <= options.swaps(); n++) {
      SwapResult r = driver.swap(n);
      results.add(r);
      if (!r.completed()) {
        progress.accept("swap " + n + "/" + options.swaps() + " failed: " + r.error());
        break;
      }
      progress.accept(
          String.format(
              Locale.ROOT,
              "swap %d/%d: generation %s -> %d, READY after %.2f s, old gone after %.2f s",
              n,
              options.swaps(),
              r.fromGenerations().stream().map(String::valueOf).collect(Collectors.joining(",")),
              r.toGeneration(),
              r.toReady() == null ? Double.NaN : r.toReady().toMillis() / 1000.0,
              r.toOldGone().toMillis() / 1000.0));
      pause(options.interval());
    }
    return results;
  }

  private BackendRoute awaitReady(RouteFollower control) throws InterruptedException {
    boolean ready =
        control.await(
            t -> t.model(options.model()).map(m -> !m.readyBackends().isEmpty()).orElse(false),
            options.readyTimeout());
    if (!ready) {
      String seen =
          control.table() == null
              ? "no routing table received from " + options.registry()
              : control
                  .route()
                  .map(m -> "model " + m.id() + " is " + m.state() + " with backends " + states(m))
                  .orElse(
                      "no model "
                          + options.model()
                          + " in the routing table (models: "
                          + control.table().models().stream()
                              .map(ModelRoute::id)
                              .collect(Collectors.joining(", "))
                          + ")");
      throw new BenchException(
          "no READY backend for "
              + options.model()
              + " within "
              + options.readyTimeout().toSeconds()
              + " s: "
              + seen);
    }
    return control.pick().orElseThrow().backend();
  }

  private static String states(ModelRoute m) {
    return m.backends().stream()
        .map(b -> b.generation() + "=" + b.state())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private BackendTransport transport(boolean keepAlive) {
    return new Http1Transport(
        keepAlive, Duration.ofSeconds(5), options.requestTimeout(), options.backendApiKey(), clock);
  }

  /** Stops the clients: no new requests; those in flight get a bounded time to finish. */
  private void stop(List<LoadClient> clients, List<Thread> threads) throws InterruptedException {
    clients.forEach(LoadClient::stop);
    long deadline =
        System.nanoTime()
            + options.streamMax().plus(options.requestTimeout()).plusSeconds(5).toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    clients.forEach(LoadClient::abort);
    for (Thread t : threads) {
      t.join(5_000);
    }
  }

  private static void pause(Duration d) throws InterruptedException {
    if (!d.isZero()) {
      Thread.sleep(d.toMillis());
    }
  }
}
