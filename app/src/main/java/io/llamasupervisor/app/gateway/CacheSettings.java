package io.llamasupervisor.app.gateway;

import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.cache.CacheConfigException;
import io.llamasupervisor.cache.ModelEmbedder;
import io.llamasupervisor.cache.ResponseCache;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.supervisor.config.ByteSizes;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.Durations;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The response cache's settings from {@code supervisor.cache.*}, {@code
 * supervisor.defaults.cache.*} and {@code supervisor.models."<glob>".cache.*}, read with the
 * configuration's own grammar of durations ({@link Durations}) and sizes ({@link ByteSizes}).
 */
public final class CacheSettings {
  /** The configuration's grammar, for the cache module (which does not depend on the core). */
  public static final CacheConfig.Units UNITS =
      new CacheConfig.Units() {
        @Override
        public Duration duration(String text) {
          return Durations.parse(text);
        }

        @Override
        public long bytes(String text) {
          return ByteSizes.parse(text);
        }
      };

  /** Bound of one request to an embedding model (a lookup waits only its semantic timeout). */
  static final Duration MODEL_EMBEDDER_TIMEOUT = Duration.ofSeconds(5);

  private CacheSettings() {}

  /**
   * The response cache of a gateway: prompts are embedded in the process (all-MiniLM-L6-v2) or,
   * with {@code supervisor.cache.semantic.embedder: model:<id>}, by a READY instance of that model
   * in {@code routes} (the gateway's own routing table, so it follows swaps and restarts).
   */
  public static ResponseCache cache(
      CacheConfig config, MeterRegistry meters, Supplier<RoutingTable> routes) {
    ResponseCache.Builder b = ResponseCache.builder(config, meters);
    String model = config.embedderModel();
    if (model != null) {
      b.embedder(
          new ModelEmbedder(model, () -> backend(routes.get(), model), MODEL_EMBEDDER_TIMEOUT));
    }
    return b.build();
  }

  /** A READY backend of {@code model} (id or alias) in {@code table}. */
  static Optional<URI> backend(RoutingTable table, String model) {
    if (table == null) {
      return Optional.empty();
    }
    return table.models().stream()
        .filter(m -> m.id().equals(model) || m.alias().equals(model))
        .flatMap(m -> m.readyBackends().stream())
        .findFirst()
        .map(BackendRoute::url)
        .map(URI::create);
  }

  /**
   * @throws ConfigException naming the key, the value and what is allowed
   */
  @SuppressWarnings("unchecked")
  public static CacheConfig config(SupervisorConfig config) {
    Object supervisor = config.tree().get("supervisor").orElse(null);
    CacheConfig parsed;
    try {
      parsed =
          CacheConfig.parse(
              supervisor instanceof Map<?, ?> m ? (Map<String, ?>) m : Map.of(), UNITS);
    } catch (CacheConfigException e) {
      throw new ConfigException(e.key(), e.problem());
    }
    return withinHeap(parsed, HeapBound.maxHeap());
  }

  /**
   * {@code config} with its {@code max-bytes} lowered to a quarter of {@code maxHeap} when it is
   * more: the vectors searched in this process and a handle per entry live in the heap, and the
   * answers in direct memory, whose limit is the heap's bound unless {@code
   * -XX:MaxDirectMemorySize} sets another (and which Netty's buffers share).
   */
  static CacheConfig withinHeap(CacheConfig config, long maxHeap) {
    long bound =
        HeapBound.cap(
            "supervisor.cache.max-bytes",
            config.maxBytes(),
            CacheConfig.DEFAULT_MAX_BYTES,
            maxHeap);
    return bound == config.maxBytes() ? config : config.withBounds(bound, config.ttl());
  }
}
