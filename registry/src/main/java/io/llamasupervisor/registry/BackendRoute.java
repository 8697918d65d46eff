package io.llamasupervisor.registry;

import java.time.Instant;
import java.util.Objects;

/**
 * One llama-server instance of a model, as published in the routing table.
 *
 * <p>{@code url} is {@code http://host:port} (IPv6 literals in brackets); it is derived from host
 * and port when null. {@code generation} numbers the instances of one model (a restart or a swap
 * starts a new generation). {@code replica} numbers the instances of a model that serve side by
 * side ({@code 0} for a model with one instance; JSON without the field reads as 0); {@code
 * (generation, replica)} is unique within a {@link ModelRoute}, and replicas started together share
 * their generation. {@code since} is when the backend entered {@code state}. {@code slotsIdle <=
 * slotsTotal}; both are 0 when unknown. Clients should identify a backend by its {@code url}.
 *
 * <p>{@code plan} identifies what the instance runs: a digest of its launch plan (binary, model
 * file with its size and modification time, every flag and variable, safe-mode level), equal for
 * instances started from the same plan, also across restarts of the supervisor; a change of file or
 * flags gives another one. A response cache keys answers with it. {@code null} when unknown (JSON
 * without the field).
 */
public record BackendRoute(
    String url,
    String host,
    int port,
    long generation,
    BackendState state,
    Instant since,
    int slotsTotal,
    int slotsIdle,
    int replica,
    String plan) {

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
    if (replica < 0) {
      throw new IllegalArgumentException("replica must not be negative, was " + replica);
    }
    url = url == null ? urlOf(host, port) : url;
    plan = plan == null || plan.isBlank() ? null : plan;
  }

  /** A backend without a known plan. */
  public BackendRoute(
      String url,
      String host,
      int port,
      long generation,
      BackendState state,
      Instant since,
      int slotsTotal,
      int slotsIdle,
      int replica) {
    this(url, host, port, generation, state, since, slotsTotal, slotsIdle, replica, null);
  }

  /** A backend of replica 0 (a model with one instance). */
  public BackendRoute(
      String url,
      String host,
      int port,
      long generation,
      BackendState state,
      Instant since,
      int slotsTotal,
      int slotsIdle) {
    this(url, host, port, generation, state, since, slotsTotal, slotsIdle, 0);
  }

  /** A backend of replica 0 whose url is derived from host and port. */
  public static BackendRoute of(
      String host,
      int port,
      long generation,
      BackendState state,
      Instant since,
      int slotsTotal,
      int slotsIdle) {
    return of(host, port, generation, 0, state, since, slotsTotal, slotsIdle);
  }

  /** A backend of {@code replica} whose url is derived from host and port. */
  public static BackendRoute of(
      String host,
      int port,
      long generation,
      int replica,
      BackendState state,
      Instant since,
      int slotsTotal,
      int slotsIdle) {
    return new BackendRoute(
        null, host, port, generation, state, since, slotsTotal, slotsIdle, replica, null);
  }

  /** A copy that says which plan the instance runs. */
  public BackendRoute withPlan(String newPlan) {
    return new BackendRoute(
        url, host, port, generation, state, since, slotsTotal, slotsIdle, replica, newPlan);
  }

  /** Whether {@code other} is the same instance slot: same generation and replica. */
  public boolean sameInstance(BackendRoute other) {
    return generation == other.generation && replica == other.replica;
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
    return new BackendRoute(
        url, host, port, generation, newState, at, slotsTotal, slotsIdle, replica, plan);
  }

  /** A copy with new slot counts. */
  public BackendRoute withSlots(int total, int idle) {
    return new BackendRoute(url, host, port, generation, state, since, total, idle, replica, plan);
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
