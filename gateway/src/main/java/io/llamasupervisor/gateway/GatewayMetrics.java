package io.llamasupervisor.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The gateway's meters. Micrometer names are chosen so that the Prometheus registry renders them as
 * {@code llama_gateway_requests_total{model,status}}, {@code
 * llama_gateway_in_flight{model,backend}}, {@code llama_gateway_queue_depth{model}}, {@code
 * llama_gateway_queue_wait_seconds{model}}, {@code
 * llama_gateway_time_to_first_token_seconds{model}}, {@code
 * llama_gateway_request_duration_seconds{model}}, {@code llama_gateway_prompt_tokens_total{model}},
 * {@code llama_gateway_completion_tokens_total{model}}, {@code
 * llama_gateway_tokens_per_second{model}}, {@code llama_gateway_retries_total{model}} and {@code
 * llama_gateway_ejections_total{model,backend}}. Meters are cached per model ({@link #forModel}):
 * the data path looks a model's meters up once per request and then records without lookups.
 * Thread-safe.
 */
public final class GatewayMetrics {
  private final MeterRegistry registry;
  private final Map<String, ModelMeters> models = new ConcurrentHashMap<>();
  private final Map<String, Counter> ejections = new ConcurrentHashMap<>();
  private final Map<String, Gauge> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Gauge> queueDepth = new ConcurrentHashMap<>();

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The meters of {@code model} ({@code null} or "" for requests that named no known model). */
  public ModelMeters forModel(String model) {
    String m = model == null ? "" : model;
    ModelMeters mm = models.get(m);
    return mm != null ? mm : models.computeIfAbsent(m, k -> new ModelMeters(registry, k));
  }

  /** A request ended with {@code status} (the gateway's own answers included). */
  public void request(String model, int status) {
    forModel(model).request(status);
  }

  public void queueWait(String model, Duration wait) {
    forModel(model).queueWait(wait.toNanos());
  }

  public void timeToFirstToken(String model, Duration d) {
    forModel(model).timeToFirstToken(d.toNanos());
  }

  public void requestDuration(String model, Duration d) {
    forModel(model).requestDuration(d.toNanos());
  }

  /** Token counts read from a response's {@code usage}/{@code timings}; negative means unknown. */
  public void tokens(String model, long prompt, long completion, double perSecond) {
    forModel(model).tokens(prompt, completion, perSecond);
  }

  public void retry(String model) {
    forModel(model).retry();
  }

  public void ejection(String model, String backend) {
    ejections
        .computeIfAbsent(
            model + '\u0000' + backend,
            k ->
                Counter.builder("llama.gateway.ejections")
                    .description("Backends ejected after failures")
                    .tag("model", model)
                    .tag("backend", backend)
                    .register(registry))
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

  /**
   * One model's meters, each registered when first recorded (so a series appears once it has a
   * value). Thread-safe; racing first uses register the same meter.
   */
  public static final class ModelMeters {
    private final MeterRegistry registry;
    private final String model;
    private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(600);
    private volatile Timer queueWait;
    private volatile Timer ttft;
    private volatile Timer duration;
    private volatile Counter promptTokens;
    private volatile Counter completionTokens;
    private volatile DistributionSummary tokensPerSecond;
    private volatile Counter retries;

    private ModelMeters(MeterRegistry registry, String model) {
      this.registry = registry;
      this.model = model;
    }

    /** A request ended with {@code status}. */
    public void request(int status) {
      int i = status >= 0 && status < 600 ? status : 0;
      Counter c = byStatus.get(i);
      if (c == null) {
        c =
            Counter.builder("llama.gateway.requests")
                .description("Requests through the gateway by model and HTTP status")
                .tag("model", model)
                .tag("status", Integer.toString(status))
                .register(registry);
        byStatus.set(i, c);
      }
      c.increment();
    }

    public void queueWait(long nanos) {
      Timer t = queueWait;
      if (t == null) {
        t = queueWait = timer("llama.gateway.queue.wait", "Time a request waited for a slot");
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void timeToFirstToken(long nanos) {
      Timer t = ttft;
      if (t == null) {
        t =
            ttft =
                timer("llama.gateway.time.to.first.token", "Arrival to first response body byte");
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void requestDuration(long nanos) {
      Timer t = duration;
      if (t == null) {
        t = duration = timer("llama.gateway.request.duration", "Arrival to last response byte");
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Token counts read from a response; negative means unknown. */
    public void tokens(long prompt, long completion, double perSecond) {
      if (prompt >= 0) {
        Counter c = promptTokens;
        if (c == null) {
          c = promptTokens = counter("llama.gateway.prompt.tokens", "Prompt tokens");
        }
        c.increment(prompt);
      }
      if (completion >= 0) {
        Counter c = completionTokens;
        if (c == null) {
          c = completionTokens = counter("llama.gateway.completion.tokens", "Generated tokens");
        }
        c.increment(completion);
      }
      if (perSecond > 0) {
        DistributionSummary d = tokensPerSecond;
        if (d == null) {
          d =
              tokensPerSecond =
                  DistributionSummary.builder("llama.gateway.tokens.per.second")
                      .description("Generation speed of each response")
                      .tag("model", model)
                      .register(registry);
        }
        d.record(perSecond);
      }
    }

    public void retry() {
      Counter c = retries;
      if (c == null) {
        c = retries = counter("llama.gateway.retries", "Requests retried on another backend");
      }
      c.increment();
    }

    private Timer timer(String name, String description) {
      return Timer.builder(name).description(description).tag("model", model).register(registry);
    }

    private Counter counter(String name, String description) {
      return Counter.builder(name).description(description).tag("model", model).register(registry);
    }
  }
}
