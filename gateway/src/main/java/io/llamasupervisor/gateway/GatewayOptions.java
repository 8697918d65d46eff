package io.llamasupervisor.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the gateway listens and queues. Immutable; start from {@link #defaults()} and change fields
 * with the {@code with…} methods.
 *
 * @param host address to listen on; without keys it must be a loopback address
 * @param port port to listen on, 0 for any free port
 * @param maxBody largest request body in bytes (larger → 413)
 * @param queueMax requests that may wait per model (more → 429)
 * @param queueTimeout longest wait in the queue for a slot (then 503)
 * @param startTimeout longest wait for a model to become ready when the supervisor gives no startup
 *     deadline of its own
 * @param keys API keys; empty means no key is needed (loopback only)
 * @param affinity whether requests with the same conversation prefix prefer the same backend
 * @param ejection when failing backends are taken out of rotation
 * @param ioThreads network threads, 0 for one per core
 */
public record GatewayOptions(
    String host,
    int port,
    long maxBody,
    int queueMax,
    Duration queueTimeout,
    Duration startTimeout,
    List<GatewayKey> keys,
    boolean affinity,
    EjectionPolicy ejection,
    int ioThreads) {

  /** 32 MiB. */
  public static final long DEFAULT_MAX_BODY = 32L * 1024 * 1024;

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
    return new GatewayOptions(
        "127.0.0.1",
        8080,
        DEFAULT_MAX_BODY,
        256,
        Duration.ofSeconds(60),
        Duration.ofMinutes(5),
        List.of(),
        false,
        EjectionPolicy.DEFAULT,
        0);
  }

  public GatewayOptions withHost(String newHost) {
    return new GatewayOptions(
        newHost,
        port,
        maxBody,
        queueMax,
        queueTimeout,
        startTimeout,
        keys,
        affinity,
        ejection,
        ioThreads);
  }

  public GatewayOptions withPort(int newPort) {
    return new GatewayOptions(
        host,
        newPort,
        maxBody,
        queueMax,
        queueTimeout,
        startTimeout,
        keys,
        affinity,
        ejection,
        ioThreads);
  }

  public GatewayOptions withMaxBody(long newMaxBody) {
    return new GatewayOptions(
        host,
        port,
        newMaxBody,
        queueMax,
        queueTimeout,
        startTimeout,
        keys,
        affinity,
        ejection,
        ioThreads);
  }

  public GatewayOptions withQueue(int newMax, Duration newTimeout) {
    return new GatewayOptions(
        host, port, maxBody, newMax, newTimeout, startTimeout, keys, affinity, ejection, ioThreads);
  }

  public GatewayOptions withStartTimeout(Duration newStartTimeout) {
    return new GatewayOptions(
        host,
        port,
        maxBody,
        queueMax,
        queueTimeout,
        newStartTimeout,
        keys,
        affinity,
        ejection,
        ioThreads);
  }

  public GatewayOptions withKeys(List<GatewayKey> newKeys) {
    return new GatewayOptions(
        host,
        port,
        maxBody,
        queueMax,
        queueTimeout,
        startTimeout,
        newKeys,
        affinity,
        ejection,
        ioThreads);
  }

  public GatewayOptions withAffinity(boolean on) {
    return new GatewayOptions(
        host, port, maxBody, queueMax, queueTimeout, startTimeout, keys, on, ejection, ioThreads);
  }

  public GatewayOptions withEjection(EjectionPolicy newEjection) {
    return new GatewayOptions(
        host,
        port,
        maxBody,
        queueMax,
        queueTimeout,
        startTimeout,
        keys,
        affinity,
        newEjection,
        ioThreads);
  }

  public GatewayOptions withIoThreads(int threads) {
    return new GatewayOptions(
        host,
        port,
        maxBody,
        queueMax,
        queueTimeout,
        startTimeout,
        keys,
        affinity,
        ejection,
        threads);
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("gateway " + name + " must be positive, was " + d);
    }
  }
}
