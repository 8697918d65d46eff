package io.llamasupervisor.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the gateway listens and queues. Immutable; made with {@link #builder()} (every field starts
 * at its default) or {@link #toBuilder()}, e.g. {@code GatewayOptions.builder().port(0).build()}.
 *
 * @param host address to listen on; without keys it must be a loopback address unless {@code
 *     insecure}
 * @param port port to listen on, 0 for any free port
 * @param maxBody largest request body in bytes (larger → 413)
 * @param queueMax requests that may wait per model (more → 429)
 * @param queueTimeout longest wait in the queue for a slot (then 503)
 * @param startTimeout longest wait for a model to become ready when the supervisor gives no startup
 *     deadline of its own
 * @param keys API keys; empty means no key is needed (loopback only, unless {@code insecure})
 * @param insecure {@code --insecure}: allow a non-loopback address without keys
 * @param affinity whether requests with the same conversation prefix prefer the same backend
 * @param ejection when failing backends are taken out of rotation
 * @param ioThreads network threads (event loops), 0 for {@link #defaultIoThreads}
 * @param clientTimeout longest silence of a client while it sends a request (then 408 and the
 *     connection closes), and longest idle time of a kept-alive connection between requests (then
 *     it closes); a client waiting for its answer is never timed out
 */
public record GatewayOptions(
    String host,
    int port,
    long maxBody,
    int queueMax,
    Duration queueTimeout,
    Duration startTimeout,
    List<GatewayKey> keys,
    boolean insecure,
    boolean affinity,
    EjectionPolicy ejection,
    int ioThreads,
    Duration clientTimeout) {

  /**
   * The event loops used when {@code ioThreads} is 0: one per four cores, at least 1 and at most 4.
   * One loop relays about 20,000 short requests a second on one core; more loops spread the same
   * traffic thinner, so each wakes more often per request and the gateway spends more CPU on it
   * (measured on 2 cores: 49–54 µs per short request with one loop, 61–72 µs with two).
   */
  public static int defaultIoThreads(int cores) {
    return Math.max(1, Math.min(4, cores / 4));
  }

  /** 32 MiB. */
  public static final long DEFAULT_MAX_BODY = 32L * 1024 * 1024;

  /** 60 s, as nginx's {@code client_body_timeout}. */
  public static final Duration DEFAULT_CLIENT_TIMEOUT = Duration.ofSeconds(60);

  public GatewayOptions {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("gateway host must not be blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("gateway port must be in 0..65535, was " + port);
    }
    if (maxBody < 1) {
      throw new IllegalArgumentException(
          "gateway max-body must be at least 1 byte, was " + maxBody);
    }
    if (queueMax < 0) {
      throw new IllegalArgumentException("gateway queue.max must not be negative, was " + queueMax);
    }
    requirePositive(queueTimeout, "queue.timeout");
    requirePositive(startTimeout, "start-timeout");
    requirePositive(clientTimeout, "client-timeout");
    keys = List.copyOf(Objects.requireNonNull(keys, "keys"));
    ejection = ejection == null ? EjectionPolicy.DEFAULT : ejection;
    if (ioThreads < 0) {
      throw new IllegalArgumentException(
          "gateway io threads must not be negative, was " + ioThreads);
    }
  }

  /**
   * 127.0.0.1:8080, 32 MiB bodies, 256 queued requests per model for at most 60 s, 5 min to start a
   * model, no keys, no affinity.
   */
  public static GatewayOptions defaults() {
    return builder().build();
  }

  /** A builder with every field at its default (see {@link #defaults()}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.port = port;
    b.maxBody = maxBody;
    b.queueMax = queueMax;
    b.queueTimeout = queueTimeout;
    b.startTimeout = startTimeout;
    b.keys = keys;
    b.insecure = insecure;
    b.affinity = affinity;
    b.ejection = ejection;
    b.ioThreads = ioThreads;
    b.clientTimeout = clientTimeout;
    return b;
  }

  /** Collects fields; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private long maxBody = DEFAULT_MAX_BODY;
    private int queueMax = 256;
    private Duration queueTimeout = Duration.ofSeconds(60);
    private Duration startTimeout = Duration.ofMinutes(5);
    private List<GatewayKey> keys = List.of();
    private boolean insecure;
    private boolean affinity;
    private EjectionPolicy ejection = EjectionPolicy.DEFAULT;
    private int ioThreads;
    private Duration clientTimeout = DEFAULT_CLIENT_TIMEOUT;

    private Builder() {}

    public Builder host(String value) {
      host = value;
      return this;
    }

    public Builder port(int value) {
      port = value;
      return this;
    }

    public Builder maxBody(long bytes) {
      maxBody = bytes;
      return this;
    }

    /** At most {@code max} waiting requests per model, each for at most {@code timeout}. */
    public Builder queue(int max, Duration timeout) {
      queueMax = max;
      queueTimeout = timeout;
      return this;
    }

    public Builder startTimeout(Duration value) {
      startTimeout = value;
      return this;
    }

    public Builder keys(List<GatewayKey> value) {
      keys = value;
      return this;
    }

    public Builder insecure(boolean value) {
      insecure = value;
      return this;
    }

    public Builder affinity(boolean value) {
      affinity = value;
      return this;
    }

    public Builder ejection(EjectionPolicy value) {
      ejection = value;
      return this;
    }

    public Builder ioThreads(int value) {
      ioThreads = value;
      return this;
    }

    public Builder clientTimeout(Duration value) {
      clientTimeout = value;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the first invalid field
     */
    public GatewayOptions build() {
      return new GatewayOptions(
          host,
          port,
          maxBody,
          queueMax,
          queueTimeout,
          startTimeout,
          keys,
          insecure,
          affinity,
          ejection,
          ioThreads,
          clientTimeout);
    }
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("gateway " + name + " must be positive, was " + d);
    }
  }
}
