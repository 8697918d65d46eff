package io.llamasupervisor.registry;

import java.time.Instant;
import java.util.Objects;

/**
 * One llama-server instance of a model, as published in the routing table.
 *
 * <p>{@code url} is {@code http://host:port} (IPv6 literals in brackets); it is derived from host
 * and port when null. {@code generation} numbers the instances of one model (a restart or a swap
 * starts a new generation) and is unique within a {@link ModelRoute}. {@code since} is when the
 * backend entered {@code state}. {@code slotsIdle <= slotsTotal}; both are 0 when unknown.
 */
public record BackendRoute(
    String url,
    String host,
    int port,
    long generation,
    BackendState state,
    Instant since,
    int slotsTotal,
    int slotsIdle) {

  public BackendRoute {
    requireText(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be in 1..65535, was " + port);
    }
    if (generation < 0) {
      throw new IllegalArgumentException("generation must not be negative, was " + generation);
    }
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(since, "since");
    if (slotsTotal < 0 || slotsIdle < 0 || slotsIdle > slotsTotal) {
      throw new IllegalArgumentException(
          "slots must satisfy 0 <= slotsIdle <= slotsTotal, were idle="
              + slotsIdle
              + " total="
              + slotsTotal);
    }
    url = url == null ? urlOf(host, port) : url;
  }

  /** A backend whose url is derived from host and port. */
  public static BackendRoute of(
      String host,
      int port,
      long generation,
      BackendState state,
      Instant since,
      int slotsTotal,
      int slotsIdle) {
    return new BackendRoute(null, host, port, generation, state, since, slotsTotal, slotsIdle);
  }

  /** {@code http://host:port}, with brackets around an IPv6 literal. */
  public static String urlOf(String host, int port) {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port;
  }

  /** A copy in {@code newState} since {@code at}; the same instance if the state is unchanged. */
  public BackendRoute withState(BackendState newState, Instant at) {
    if (newState == state) {
      return this;
    }
    return new BackendRoute(url, host, port, generation, newState, at, slotsTotal, slotsIdle);
  }

  /** A copy with new slot counts. */
  public BackendRoute withSlots(int total, int idle) {
    return new BackendRoute(url, host, port, generation, state, since, total, idle);
  }

  /** Whether this backend takes new requests (it is {@link BackendState#READY}). */
  public boolean takesTraffic() {
    return state.takesTraffic();
  }

  static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
