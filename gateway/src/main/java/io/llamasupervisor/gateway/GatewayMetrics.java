package io.llamasupervisor.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The gateway's meters. Micrometer names are chosen so that the Prometheus registry renders them as
 * {@code llama_gateway_requests_total{model,status}}, {@code
 * llama_gateway_in_flight{model,backend}}, {@code llama_gateway_queue_depth{model}}, {@code
 * llama_gateway_queue_wait_seconds{model}}, {@code
 * llama_gateway_time_to_first_token_seconds{model}}, {@code
 * llama_gateway_request_duration_seconds{model}}, {@code llama_gateway_prompt_tokens_total{model}},
 * {@code llama_gateway_completion_tokens_total{model}}, {@code
 * llama_gateway_tokens_per_second{model}}, {@code llama_gateway_retries_total{model}} and {@code
 * llama_gateway_ejections_total{model,backend}}. Meters are cached per tag set, so recording costs
 * a map lookup. Thread-safe.
 */
public final class GatewayMetrics {
  private final MeterRegistry registry;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Timer> queueWait = new ConcurrentHashMap<>();
  private final Map<String, Timer> ttft = new ConcurrentHashMap<>();
  private final Map<String, Timer> duration = new ConcurrentHashMap<>();
  private final Map<String, Counter> promptTokens = new ConcurrentHashMap<>();
  private final Map<String, Counter> completionTokens = new ConcurrentHashMap<>();
  private final Map<String, DistributionSummary> tokensPerSecond = new ConcurrentHashMap<>();
  private final Map<String, Counter> retries = new ConcurrentHashMap<>();
  private final Map<String, Counter> ejections = new ConcurrentHashMap<>();
  private final Map<String, Gauge> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Gauge> queueDepth = new ConcurrentHashMap<>();

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A request ended with {@code status} (the gateway's own answers included). */
  public void request(String model, int status) {
    String m = model == null ? "" : model;
    requests
        .computeIfAbsent(
            m + '\u0000' + status,
            k ->
                Counter.builder("llama.gateway.requests")
                    .description("Requests through the gateway by model and HTTP status")
                    .tag("model", m)
                    .tag("status", Integer.toString(status))
                    .register(registry))
        .increment();
  }

  public void queueWait(String model, Duration wait) {
    timer(queueWait, "llama.gateway.queue.wait", "Time a request waited for a slot", model)
        .record(wait);
  }

  public void timeToFirstToken(String model, Duration d) {
    timer(ttft, "llama.gateway.time.to.first.token", "Arrival to first response body byte", model)
        .record(d);
  }

  public void requestDuration(String model, Duration d) {
    timer(duration, "llama.gateway.request.duration", "Arrival to last response byte", model)
        .record(d);
  }

  /** Token counts read from a response's {@code usage}/{@code timings}; negative means unknown. */
  public void tokens(String model, long prompt, long completion, double perSecond) {
    if (prompt >= 0) {
      counter(promptTokens, "llama.gateway.prompt.tokens", "Prompt tokens", model, null)
          .increment(prompt);
    }
    if (completion >= 0) {
      counter(completionTokens, "llama.gateway.completion.tokens", "Generated tokens", model, null)
          .increment(completion);
    }
    if (perSecond > 0) {
      tokensPerSecond
          .computeIfAbsent(
              model,
              k ->
                  DistributionSummary.builder("llama.gateway.tokens.per.second")
                      .description("Generation speed of each response")
                      .tag("model", model)
                      .register(registry))
          .record(perSecond);
    }
  }

  public void retry(String model) {
    counter(retries, "llama.gateway.retries", "Requests retried on another backend", model, null)
        .increment();
  }

  public void ejection(String model, String backend) {
    counter(ejections, "llama.gateway.ejections", "Backends ejected after failures", model, backend)
        .increment();
  }

  void trackInFlight(String model, String backend, AtomicInteger count) {
    inFlight.computeIfAbsent(
        model + '\u0000' + backend,
        k ->
            Gauge.builder("llama.gateway.in.flight", count, AtomicInteger::get)
                .description("Requests in flight per backend")
                .tag("model", model)
                .tag("backend", backend)
                .register(registry));
  }

  void untrackInFlight(String model, String backend) {
    Gauge g = inFlight.remove(model + '\u0000' + backend);
    if (g != null) {
      registry.remove(g);
    }
  }

  void trackQueue(String model, AtomicInteger depth) {
    queueDepth.computeIfAbsent(
        model,
        k ->
            Gauge.builder("llama.gateway.queue.depth", depth, AtomicInteger::get)
                .description("Requests waiting for a slot")
                .tag("model", model)
                .register(registry));
  }

  private Timer timer(Map<String, Timer> cache, String name, String description, String model) {
    return cache.computeIfAbsent(
        model,
        k -> Timer.builder(name).description(description).tag("model", model).register(registry));
  }

  private Counter counter(
      Map<String, Counter> cache, String name, String description, String model, String backend) {
    Function<String, Counter> make =
        k -> {
          Counter.Builder b = Counter.builder(name).description(description).tag("model", model);
          if (backend != null) {
            b.tag("backend", backend);
          }
          return b.register(registry);
        };
    return cache.computeIfAbsent(backend == null ? model : model + '\u0000' + backend, make);
  }
}
