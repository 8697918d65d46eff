package io.llamasupervisor.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SwapBench} run; {@link #builder} holds the defaults of {@code bench swap}.
 *
 * @param registry base URI of the supervisor's API, e.g. {@code http://127.0.0.1:8090}
 * @param model id (or alias) of the model to load and restart
 * @param clients concurrent clients; even-numbered ones keep connections alive, the others open a
 *     new connection per request
 * @param swaps restarts to trigger, one after the other
 * @param streamOnly send only SSE streams instead of a mix of streams and short completions
 * @param apiKey API key of the supervisor's API, or null
 * @param backendApiKey API key of the llama-server backends, or null
 * @param interval pause after each swap (and before the first) while the clients keep running
 * @param drainLinger the supervisor's drain linger: a request sent to a generation more than this
 *     after its switch to DRAINING means a client kept routing to it too long
 * @param streamMin shortest stream
 * @param streamMax longest stream
 * @param shortTokens tokens of a short completion
 * @param tokenPaceMs milliseconds per generated token; 0 measures it before the run
 * @param requestTimeout longest silence from a backend within one request
 * @param swapTimeout longest wait for one swap to complete
 * @param readyTimeout longest wait for the model to list a READY backend at the start
 * @param seed seed of the request mix
 */
public record SwapBenchOptions(
    URI registry,
    String model,
    int clients,
    int swaps,
    boolean streamOnly,
    String apiKey,
    String backendApiKey,
    Duration interval,
    Duration drainLinger,
    Duration streamMin,
    Duration streamMax,
    int shortTokens,
    double tokenPaceMs,
    Duration requestTimeout,
    Duration swapTimeout,
    Duration readyTimeout,
    long seed) {

  /** Shortest stream by default. */
  public static final Duration DEFAULT_STREAM_MIN = Duration.ofSeconds(2);

  /** Longest stream by default. */
  public static final Duration DEFAULT_STREAM_MAX = Duration.ofSeconds(10);

  public SwapBenchOptions {
    Objects.requireNonNull(registry, "registry");
    if (!"http".equals(registry.getScheme()) && !"https".equals(registry.getScheme())) {
      throw new IllegalArgumentException("registry must be an http(s) URL, was " + registry);
    }
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model must not be blank");
    }
    require(clients >= 1, "clients must be at least 1, was " + clients);
    require(swaps >= 0, "swaps must not be negative, was " + swaps);
    apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    backendApiKey = backendApiKey == null || backendApiKey.isBlank() ? null : backendApiKey;
    notNegative(interval, "interval");
    notNegative(drainLinger, "drain linger");
    positive(streamMin, "shortest stream");
    positive(streamMax, "longest stream");
    require(
        streamMin.compareTo(streamMax) <= 0,
        "shortest stream " + streamMin + " exceeds the longest " + streamMax);
    require(shortTokens >= 1, "short completions need at least 1 token, was " + shortTokens);
    require(tokenPaceMs >= 0, "token pace must not be negative, was " + tokenPaceMs);
    positive(requestTimeout, "request timeout");
    positive(swapTimeout, "swap timeout");
    positive(readyTimeout, "ready timeout");
  }

  /** The defaults: 16 clients, 5 swaps, mixed requests, 3 s interval, streams of 2-10 s. */
  public static Builder builder(URI registry, String model) {
    return new Builder(registry, model);
  }

  /** Clients that keep their connections alive. */
  public int keepAliveClients() {
    return (clients + 1) / 2;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  private static void notNegative(Duration d, String name) {
    require(d != null && !d.isNegative(), name + " must not be negative, was " + d);
  }

  private static void positive(Duration d, String name) {
    require(d != null && !d.isNegative() && !d.isZero(), name + " must be positive, was " + d);
  }

  /** Builds options from the defaults. */
  public static final class Builder {
    private final URI registry;
    private final String model;
    private int clients = 16;
    private int swaps = 5;
    private boolean streamOnly;
    private String apiKey;
    private String backendApiKey;
    private Duration interval = Duration.ofSeconds(3);
    private Duration drainLinger = Duration.ofSeconds(2);
    private Duration streamMin = DEFAULT_STREAM_MIN;
    private Duration streamMax = DEFAULT_STREAM_MAX;
    private int shortTokens = 16;
    private double tokenPaceMs;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration swapTimeout = Duration.ofMinutes(2);
    private Duration readyTimeout = Duration.ofMinutes(1);
    private long seed = 1;

    private Builder(URI registry, String model) {
      this.registry = registry;
      this.model = model;
    }

    public Builder clients(int n) {
      this.clients = n;
      return this;
    }

    public Builder swaps(int n) {
      this.swaps = n;
      return this;
    }

    public Builder streamOnly(boolean v) {
      this.streamOnly = v;
      return this;
    }

    public Builder apiKey(String key) {
      this.apiKey = key;
      return this;
    }

    public Builder backendApiKey(String key) {
      this.backendApiKey = key;
      return this;
    }

    public Builder interval(Duration d) {
      this.interval = d;
      return this;
    }

    public Builder drainLinger(Duration d) {
      this.drainLinger = d;
      return this;
    }

    /** Streams last from {@code min} to {@code max}. */
    public Builder streams(Duration min, Duration max) {
      this.streamMin = min;
      this.streamMax = max;
      return this;
    }

    public Builder shortTokens(int n) {
      this.shortTokens = n;
      return this;
    }

    /** Milliseconds per token; 0 (the default) measures it. */
    public Builder tokenPaceMs(double ms) {
      this.tokenPaceMs = ms;
      return this;
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public Builder swapTimeout(Duration d) {
      this.swapTimeout = d;
      return this;
    }

    public Builder readyTimeout(Duration d) {
      this.readyTimeout = d;
      return this;
    }

    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    public SwapBenchOptions build() {
      return new SwapBenchOptions(
          registry,
          model,
          clients,
          swaps,
          streamOnly,
          apiKey,
          backendApiKey,
          interval,
          drainLinger,
          streamMin,
          streamMax,
          shortTokens,
          tokenPaceMs,
          requestTimeout,
          swapTimeout,
          readyTimeout,
          seed);
    }
  }
}
