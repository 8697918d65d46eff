package io.llamasupervisor.api;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.client.RegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Change-to-notify latency of the routing table's blocking query with many watchers, split into
 * stages so the figures show where the time goes:
 *
 * <ol>
 *   <li>{@code registry}: in-process {@link RoutingRegistry#awaitChange} futures, no HTTP;
 *   <li>{@code http}: the API server and one JDK {@link HttpClient} blocking query per watcher (one
 *       thread each), body bytes only, no JSON;
 *   <li>{@code client}: the project's {@link RegistryClient#watch}, each with its own HTTP client
 *       (the default), table parsed, listener called.
 * </ol>
 *
 * Each stage publishes {@code changes} versions {@code interval} apart (like restarts) to {@code
 * watchers} watchers and prints p50/p99/max over every (change, watcher) pair. Not a test:
 *
 * <pre>
 * java -cp ... io.llamasupervisor.api.WatchFanoutBench [watchers=100] [changes=20] [interval-ms=300]
 * </pre>
 */
public final class WatchFanoutBench {
  /** Changes published before the measured ones (JIT, first requests). */
  static final int WARMUP = 5;

  private WatchFanoutBench() {}

  public static void main(String[] args) throws Exception {
    int watchers = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    long intervalMs = args.length > 2 ? Long.parseLong(args[2]) : 300;
    String only = args.length > 3 ? args[3] : "all";
    System.out.printf(
        "%d watchers, %d changes %d ms apart, %d cores%n",
        watchers, changes, intervalMs, Runtime.getRuntime().availableProcessors());
    if (only.equals("all") || only.equals("registry")) {
      report("registry", registryStage(watchers, changes, intervalMs));
    }
    if (only.equals("all") || only.equals("http")) {
      report("http", httpStage(watchers, changes, intervalMs));
    }
    if (only.equals("all") || only.equals("client")) {
      report("client", clientStage(watchers, changes, intervalMs));
    }
    System.exit(0);
  }

  /** A table of ten models like a real fleet, with model {@code n}'s generation changed. */
  static void change(RoutingRegistry registry, int n) {
    Instant since = Instant.parse("2026-03-01T12:00:00Z");
    registry.update(
        b -> {
          for (int i = 0; i < 10; i++) {
            String id = "publisher-" + i + "/Model-" + i + "-GGUF/model-" + i + "-q4_k_m";
            long generation = i == n % 10 ? n + 2 : 2;
            b.put(
                new ModelRoute(
                    id,
                    "model-" + i + "-q4_k_m",
                    "ready",
                    List.of(
                        BackendRoute.of(
                            "127.0.0.1",
                            39000 + 2 * i,
                            generation,
                            BackendState.READY,
                            since,
                            4,
                            3),
                        BackendRoute.of(
                            "127.0.0.1", 39001 + 2 * i, 1, BackendState.DRAINING, since, 4, 4))));
          }
          return b;
        });
  }

  private static Queue<Long> registryStage(int watchers, int changes, long intervalMs)
      throws Exception {
    Queue<Long> latencies = new ConcurrentLinkedQueue<>();
    try (RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC())) {
      change(registry, 0);
      for (int c = 1; c <= changes; c++) {
        long index = registry.current().version();
        List<CompletableFuture<?>> done = new ArrayList<>();
        long[] at = new long[1];
        for (int w = 0; w < watchers; w++) {
          done.add(
              registry
                  .awaitChange(index, Duration.ofSeconds(30))
                  .thenRun(() -> latencies.add(System.nanoTime() - at[0])));
        }
        Thread.sleep(intervalMs);
        at[0] = System.nanoTime();
        change(registry, c);
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      }
    }
    return latencies;
  }

  private static Queue<Long> httpStage(int watchers, int changes, long intervalMs)
      throws Exception {
    Queue<Long> latencies = new ConcurrentLinkedQueue<>();
    try (RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
        ApiServer api =
            ApiServer.start(
                new FakeFleet(), registry, ApiSettings.defaults().withPort(0), Map.of())) {
      change(registry, 0);
      Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
      AtomicInteger errors = new AtomicInteger();
      AtomicInteger connected = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < watchers; w++) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Thread t =
            new Thread(
                () -> {
                  long index = 0; // the first query answers at once: connected and warm
                  while (!Thread.currentThread().isInterrupted()) {
                    try {
                      HttpResponse<byte[]> r =
                          http.send(
                              HttpRequest.newBuilder(
                                      URI.create(
                                          api.uri()
                                              + "/api/v1/routes?index="
                                              + index
                                              + "&wait=30s"))
                                  .build(),
                              HttpResponse.BodyHandlers.ofByteArray());
                      long now = System.nanoTime();
                      long version =
                          Long.parseLong(
                              r.headers().firstValue("ETag").orElseThrow().replace("\"", ""));
                      Long at = publishedAt.get(version);
                      if (index == 0) {
                        connected.incrementAndGet();
                      }
                      if (at != null && version > index) {
                        latencies.add(now - at);
                      }
                      index = version;
                    } catch (InterruptedException e) {
                      return;
                    } catch (Exception e) {
                      errors.incrementAndGet();
                      try {
                        Thread.sleep(100);
                      } catch (InterruptedException stop) {
                        return;
                      }
                    }
                  }
                },
                "http-watcher-" + w);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      publish(registry, changes, intervalMs, publishedAt, latencies, watchers, connected);
      threads.forEach(Thread::interrupt);
      if (errors.get() > 0) {
        System.out.println("http: " + errors.get() + " failed queries (retried)");
      }
    }
    return latencies;
  }

  private static Queue<Long> clientStage(int watchers, int changes, long intervalMs)
      throws Exception {
    Queue<Long> latencies = new ConcurrentLinkedQueue<>();
    List<RegistryClient> clients = new ArrayList<>();
    try (RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
        ApiServer api =
            ApiServer.start(
                new FakeFleet(), registry, ApiSettings.defaults().withPort(0), Map.of())) {
      change(registry, 0);
      Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
      AtomicInteger connected = new AtomicInteger();
      for (int w = 0; w < watchers; w++) {
        RegistryClient c = RegistryClient.builder(api.uri()).build();
        clients.add(c);
        c.watch(
            (RoutingTable t) -> {
              long now = System.nanoTime();
              Long at = publishedAt.get(t.version());
              if (at == null && t.version() == 2) {
                connected.incrementAndGet();
              }
              if (at != null) {
                latencies.add(now - at);
              }
            });
      }
      publish(registry, changes, intervalMs, publishedAt, latencies, watchers, connected);
    } finally {
      clients.forEach(RegistryClient::close);
    }
    return latencies;
  }

  /**
   * Waits until every watcher has its first answer, publishes {@link #WARMUP} unmeasured changes,
   * then {@code changes} measured ones, and waits for their deliveries (at most 10 s).
   */
  private static void publish(
      RoutingRegistry registry,
      int changes,
      long intervalMs,
      Map<Long, Long> publishedAt,
      Queue<Long> latencies,
      int watchers,
      AtomicInteger connected)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (connected.get() < watchers && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    for (int c = 1; c <= WARMUP + changes; c++) {
      Thread.sleep(intervalMs);
      long version = registry.current().version() + 1;
      if (c > WARMUP) {
        publishedAt.put(version, System.nanoTime());
      }
      change(registry, c);
    }
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (latencies.size() < changes * watchers && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private static void report(String stage, Queue<Long> latencies) {
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(null);
    if (sorted.isEmpty()) {
      System.out.println(stage + ": no deliveries");
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "%-8s deliveries %5d  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms%n",
        stage,
        sorted.size(),
        q(sorted, 0.50),
        q(sorted, 0.90),
        q(sorted, 0.99),
        sorted.get(sorted.size() - 1) / 1e6);
  }

  private static double q(List<Long> sorted, double quantile) {
    int i = (int) Math.ceil(quantile * sorted.size()) - 1;
    return sorted.get(Math.max(0, i)) / 1e6;
  }
}
