package io.llamasupervisor.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The caches' meters, named so that the Prometheus registry renders them as:
 *
 * <ul>
 *   <li>{@code llama_gateway_cache_requests_total{model,result}}: result {@code hit}, {@code
 *       semantic-hit}, {@code miss} or {@code bypass}, one per cacheable-endpoint request;
 *   <li>{@code llama_gateway_cache_bypasses_total{model,reason}};
 *   <li>{@code llama_gateway_cache_stores_total{model,kind}}: kind {@code exact} or {@code
 *       semantic} (a semantic store also stores the exact entry);
 *   <li>{@code llama_gateway_cache_semantic_similarity{model}}: histogram of served semantic hits;
 *   <li>{@code llama_gateway_cache_semantic_rejected_total{model,reason}}: candidates not served,
 *       reason {@code threshold} (best candidate below it), {@code lexical_guard}, {@code expired},
 *       {@code no_usage} (a stream recorded without usage, for a request that gets usage);
 *   <li>{@code llama_gateway_cache_entries{kind}}, {@code llama_gateway_cache_bytes}: what this
 *       process holds (with Redis: its local copy of the vectors);
 *   <li>{@code llama_gateway_cache_evictions_total{cause}}: cause {@code size} or {@code expired};
 *   <li>{@code llama_gateway_cache_embedding_seconds{embedder}}: embedder time;
 *   <li>{@code llama_gateway_cache_embedder_failures_total{embedder,reason}}: reason {@code
 *       timeout}, {@code error} or {@code busy};
 *   <li>{@code llama_gateway_cache_backend_errors_total{backend,operation}}: operation {@code
 *       connect}, {@code get}, {@code put}, {@code sync}, {@code decode}, or {@code skipped} (not
 *       attempted: Redis is skipped for a second after a timeout or error).
 * </ul>
 *
 * Meters are cached per tag set. Thread-safe.
 */
final class CacheMetrics {
  private final MeterRegistry registry;
  private final Map<MeterKey, Counter> counters = new ConcurrentHashMap<>();
  private final Counter evictedForSize;
  private final Counter expired;
  private final Map<String, DistributionSummary> similarity = new ConcurrentHashMap<>();
  private final Map<String, Timer> embedding = new ConcurrentHashMap<>();

  CacheMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.evictedForSize = eviction("size");
    this.expired = eviction("expired");
  }

  void request(String model, String result) {
    counter(
            "llama.gateway.cache.requests",
            "Cacheable requests by result",
            "model",
            model,
            "result",
            result)
        .increment();
  }

  void bypass(String model, String reason) {
    counter(
            "llama.gateway.cache.bypasses",
            "Requests that bypassed the cache, by reason",
            "model",
            model,
            "reason",
            reason)
        .increment();
  }

  void store(String model, String kind) {
    counter("llama.gateway.cache.stores", "Responses stored", "model", model, "kind", kind)
        .increment();
  }

  void rejected(String model, String reason) {
    counter(
            "llama.gateway.cache.semantic.rejected",
            "Semantic candidates not served, by reason",
            "model",
            model,
            "reason",
            reason)
        .increment();
  }

  /** An entry evicted to stay within the byte bound (on the storing thread, once per eviction). */
  void evictedForSize() {
    evictedForSize.increment();
  }

  /** An entry dropped at its time-to-live. */
  void expired() {
    expired.increment();
  }

  private Counter eviction(String cause) {
    return counter("llama.gateway.cache.evictions", "Entries evicted", "cause", cause, null, null);
  }

  void embedderFailure(String embedder, String reason) {
    counter(
            "llama.gateway.cache.embedder.failures",
            "Embeddings that failed or were too slow",
            "embedder",
            embedder,
            "reason",
            reason)
        .increment();
  }

  void backendError(String backend, String operation) {
    counter(
            "llama.gateway.cache.backend.errors",
            "Cache backend operations that failed",
            "backend",
            backend,
            "operation",
            operation)
        .increment();
  }

  void similarity(String model, double value) {
    similarity
        .computeIfAbsent(
            model == null ? "" : model,
            m ->
                DistributionSummary.builder("llama.gateway.cache.semantic.similarity")
                    .description("Cosine similarity of served semantic hits")
                    .tag("model", m)
                    .serviceLevelObjectives(
                        0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 1.0)
                    .register(registry))
        .record(value);
  }

  void embedding(String embedder, Duration d) {
    embedding
        .computeIfAbsent(
            embedder,
            e ->
                Timer.builder("llama.gateway.cache.embedding")
                    .description("Time to embed a prompt")
                    .tag("embedder", e)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(1))
                    .register(registry))
        .record(d);
  }

  void gauges(
      Supplier<Number> exactEntries, Supplier<Number> semanticEntries, Supplier<Number> bytes) {
    Gauge.builder("llama.gateway.cache.entries", exactEntries)
        .description("Entries this process holds")
        .tag("kind", "exact")
        .register(registry);
    Gauge.builder("llama.gateway.cache.entries", semanticEntries)
        .description("Entries this process holds")
        .tag("kind", "semantic")
        .register(registry);
    Gauge.builder("llama.gateway.cache.bytes", bytes)
        .description("Bytes of responses and vectors this process holds")
        .register(registry);
  }

  private Counter counter(
      String name, String description, String k1, String v1, String k2, String v2) {
    String a = v1 == null ? "" : v1;
    String b = v2 == null ? "" : v2;
    // on every request: a lookup by the constant name and tag values (their hashes are cached), no
    // string built; the lambda only runs for a tag set not seen before
    MeterKey key = new MeterKey(name, a, b);
    Counter known = counters.get(key);
    if (known != null) {
      return known;
    }
    return counters.computeIfAbsent(
        key,
        x -> {
          Counter.Builder builder = Counter.builder(name).description(description).tag(k1, a);
          if (k2 != null) {
            builder.tag(k2, b);
          }
          return builder.register(registry);
        });
  }

  private record MeterKey(String name, String v1, String v2) {}
}
