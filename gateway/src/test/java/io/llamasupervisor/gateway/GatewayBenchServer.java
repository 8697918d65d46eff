package io.llamasupervisor.gateway;

import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A gateway in front of fixed backends, for benchmarks: {@code java … GatewayBenchServer --port
 * 8080 --model tiny --slots 4 --backend http://127.0.0.1:39001 [--backend …] [--affinity]
 * [--io-threads N] [--route NAME=URL …] [--exact-cache [--cache-max-bytes N]]}; each {@code
 * --route} adds one more model with one backend of the same slots; {@code --exact-cache} turns the
 * exact response cache on for every model (in memory, the defaults, bounded as {@code serve} bounds
 * it: a quarter of the heap, or {@code --cache-max-bytes}). Prints {@code gateway listening on
 * PORT} when ready and runs until killed.
 */
public final class GatewayBenchServer {
  private GatewayBenchServer() {}

  public static void main(String[] args) throws Exception {
    int port = 8080;
    String model = "model";
    int slots = 4;
    boolean affinity = false;
    boolean exactCache = false;
    long cacheBytes = Runtime.getRuntime().maxMemory() / 4;
    int ioThreads = 0;
    List<String> backends = new ArrayList<>();
    List<String> extra = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--model" -> model = args[++i];
        case "--slots" -> slots = Integer.parseInt(args[++i]);
        case "--backend" -> backends.add(args[++i]);
        case "--affinity" -> affinity = true;
        case "--io-threads" -> ioThreads = Integer.parseInt(args[++i]);
        case "--route" -> extra.add(args[++i]);
        case "--exact-cache" -> exactCache = true;
        case "--cache-max-bytes" -> cacheBytes = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (backends.isEmpty()) {
      throw new IllegalArgumentException("give at least one --backend http://host:port");
    }
    RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
    List<BackendRoute> routes = new ArrayList<>();
    long generation = 1;
    for (String b : backends) {
      URI u = URI.create(b);
      routes.add(
          BackendRoute.of(
              u.getHost(),
              u.getPort(),
              generation++,
              BackendState.READY,
              Instant.now(),
              slots,
              slots));
    }
    List<ModelRoute> models = new ArrayList<>();
    models.add(new ModelRoute(model, model, "ready", routes));
    for (String r : extra) {
      String name = r.substring(0, r.indexOf('='));
      URI u = URI.create(r.substring(r.indexOf('=') + 1));
      BackendRoute b =
          BackendRoute.of(
              u.getHost(), u.getPort(), 1, BackendState.READY, Instant.now(), slots, slots);
      models.add(new ModelRoute(name, name, "ready", List.of(b)));
    }
    registry.update(
        t -> {
          models.forEach(t::put);
          return t;
        });
    GatewayOptions options =
        GatewayOptions.builder().port(port).affinity(affinity).ioThreads(ioThreads).build();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // as serve does: the in-memory bound within a quarter of the heap (app's HeapBound)
    CacheConfig cacheConfig =
        CacheConfig.parse(Map.of("defaults", Map.of("cache", Map.of("exact", true))));
    cacheConfig =
        cacheConfig.withBounds(Math.min(cacheConfig.maxBytes(), cacheBytes), cacheConfig.ttl());
    ResponseCache cache = exactCache ? ResponseCache.create(cacheConfig, meters) : null;
    GatewayServer gw =
        new GatewayServer(
            options, registry::subscribe, ModelDirectory.NONE, ModelStarter.NONE, meters, cache);
    gw.start();
    System.out.println("gateway listening on " + gw.port());
    if (cache != null) {
      // what the cache holds, for the bench script to print after each run
      Thread stats =
          new Thread(
              () -> {
                while (true) {
                  try {
                    Thread.sleep(1_000);
                  } catch (InterruptedException e) {
                    return;
                  }
                  double evicted =
                      meters.find("llama.gateway.cache.evictions").counters().stream()
                          .mapToDouble(c -> c.count())
                          .sum();
                  System.out.printf(
                      "cache: %.0f entries, %.1f MiB, %.0f evicted%n",
                      meters.find("llama.gateway.cache.entries").gauges().stream()
                          .mapToDouble(g -> g.value())
                          .sum(),
                      meters.find("llama.gateway.cache.bytes").gauge().value() / (1 << 20),
                      evicted);
                }
              },
              "cache-stats");
      stats.setDaemon(true);
      stats.start();
    }
    Runtime.getRuntime().addShutdownHook(new Thread(gw::close));
    new CountDownLatch(1).await();
  }
}
