package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * When the generations of one model were first seen READY, DRAINING and gone from the routing
 * table. Fed by one or several watchers, each with the time it received a table; every moment is
 * the earliest any of them reported, so a watcher that lags behind (or delivers an older table
 * late) never moves a moment later. A generation counts as gone when a table of the same epoch,
 * newer than one that listed it, no longer does. Thread-safe.
 */
final class GenerationTimeline {
  private final String model;
  private final Map<Long, Generation> generations = new HashMap<>();

  /** A timeline of the model whose id or alias is {@code model}. */
  GenerationTimeline(String model) {
    this.model = model;
  }

  /** Takes a table a watcher received at {@code at}. */
  synchronized void observe(RoutingTable table, Instant at) {
    Optional<ModelRoute> route = table.model(model);
    Set<Long> present = new HashSet<>();
    for (BackendRoute b : route.map(ModelRoute::backends).orElse(java.util.List.of())) {
      present.add(b.generation());
      Generation g = generations.computeIfAbsent(b.generation(), k -> new Generation());
      g.listed(table);
      if (b.state() == BackendState.READY) {
        g.ready = earliest(g.ready, at);
      } else if (b.state() == BackendState.DRAINING) {
        g.draining = earliest(g.draining, at);
      }
    }
    for (Map.Entry<Long, Generation> e : generations.entrySet()) {
      Generation g = e.getValue();
      if (!present.contains(e.getKey())
          && table.epoch().equals(g.epoch)
          && table.version() > g.firstListedVersion) {
        g.gone = earliest(g.gone, at);
      }
    }
  }

  /** When the generation was first seen READY. */
  synchronized Optional<Instant> readyAt(long generation) {
    return Optional.ofNullable(get(generation).ready);
  }

  /** When the generation was first seen DRAINING (it may go away without being seen so). */
  synchronized Optional<Instant> drainingAt(long generation) {
    return Optional.ofNullable(get(generation).draining);
  }

  /** When the generation was first seen missing from a table after it had been listed. */
  synchronized Optional<Instant> goneAt(long generation) {
    return Optional.ofNullable(get(generation).gone);
  }

  /**
   * When the generation stopped taking traffic: the earlier of {@link #drainingAt} and {@link
   * #goneAt}. A request sent to it after this moment was routed to an instance on its way out.
   */
  synchronized Optional<Instant> switchedAt(long generation) {
    Generation g = get(generation);
    return Optional.ofNullable(earliest(g.draining, g.gone));
  }

  /** Every generation seen, with its switch moment if any, by generation. */
  synchronized Map<Long, Optional<Instant>> switches() {
    Map<Long, Optional<Instant>> m = new TreeMap<>();
    generations.forEach((k, g) -> m.put(k, Optional.ofNullable(earliest(g.draining, g.gone))));
    return m;
  }

  private Generation get(long generation) {
    Generation g = generations.get(generation);
    return g == null ? new Generation() : g;
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }

  private static final class Generation {
    String epoch;
    long firstListedVersion = Long.MAX_VALUE;
    Instant ready;
    Instant draining;
    Instant gone;

    void listed(RoutingTable table) {
      if (!table.epoch().equals(epoch)) {
        if (epoch != null) {
          // the registry restarted and lists the generation again: start over in the new epoch
          gone = null;
        }
        epoch = table.epoch();
        firstListedVersion = table.version();
      } else {
        firstListedVersion = Math.min(firstListedVersion, table.version());
      }
    }
  }
}
