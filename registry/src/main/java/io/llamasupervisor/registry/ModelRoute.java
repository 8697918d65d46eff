package io.llamasupervisor.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One model in the routing table: its {@code id}, the {@code alias} clients may use instead (the id
 * itself when none is configured), a free-form lifecycle {@code state} such as {@code starting},
 * {@code ready}, {@code failed} or {@code stopped}, and its backends.
 *
 * <p>Backends are kept sorted by generation, then replica, then url, and each {@code (generation,
 * replica)} appears once per host, so two routes describing the same fleet are {@code equals}. A
 * model with several replicas lists several backends of one generation. A cluster table merged from
 * several nodes lists each node's instances on that node's host, so one {@code (generation,
 * replica)} may appear once per node. Immutable.
 */
public record ModelRoute(String id, String alias, String state, List<BackendRoute> backends) {

  public ModelRoute {
    BackendRoute.requireText(id, "id");
    alias = alias == null || alias.isBlank() ? id : alias;
    BackendRoute.requireText(state, "state of model " + id);
    List<BackendRoute> sorted = new ArrayList<>(backends == null ? List.of() : backends);
    for (BackendRoute b : sorted) {
      Objects.requireNonNull(b, "backend of model " + id);
    }
    sorted.sort(
        Comparator.comparingLong(BackendRoute::generation)
            .thenComparingInt(BackendRoute::replica)
            .thenComparing(BackendRoute::url));
    Set<String> instances = new HashSet<>();
    for (BackendRoute b : sorted) {
      if (!instances.add(b.generation() + "/" + b.replica() + "@" + b.host())) {
        throw new IllegalArgumentException(
            "model "
                + id
                + " lists generation "
                + b.generation()
                + (b.replica() == 0 ? "" : " replica " + b.replica())
                + " twice");
      }
    }
    backends = List.copyOf(sorted);
  }

  /** A model with no backends. */
  public static ModelRoute of(String id, String alias, String state) {
    return new ModelRoute(id, alias, state, List.of());
  }

  /** The backends that take new requests, oldest generation first. */
  public List<BackendRoute> readyBackends() {
    return backends.stream().filter(BackendRoute::takesTraffic).toList();
  }

  /** The backend of {@code generation} (its lowest replica), if listed. */
  public Optional<BackendRoute> backend(long generation) {
    return backends.stream().filter(b -> b.generation() == generation).findFirst();
  }

  /** The backend of {@code generation} and {@code replica}, if listed. */
  public Optional<BackendRoute> backend(long generation, int replica) {
    return backends.stream()
        .filter(b -> b.generation() == generation && b.replica() == replica)
        .findFirst();
  }

  /** A copy in lifecycle state {@code newState}. */
  public ModelRoute withState(String newState) {
    return new ModelRoute(id, alias, newState, backends);
  }

  /**
   * A copy where {@code backend} replaces the backend of the same generation and replica, or is
   * added.
   */
  public ModelRoute withBackend(BackendRoute backend) {
    List<BackendRoute> next = new ArrayList<>(backends.size() + 1);
    for (BackendRoute b : backends) {
      if (!b.sameInstance(backend)) {
        next.add(b);
      }
    }
    next.add(backend);
    return new ModelRoute(id, alias, state, next);
  }

  /**
   * A copy without the backends of {@code generation}, every replica (the same route if none is
   * listed).
   */
  public ModelRoute withoutBackend(long generation) {
    if (backend(generation).isEmpty()) {
      return this;
    }
    return new ModelRoute(
        id, alias, state, backends.stream().filter(b -> b.generation() != generation).toList());
  }
}
