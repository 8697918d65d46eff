package io.llamasupervisor.cluster;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Merges the models of every node into the models of one table (a pure function).
 *
 * <ul>
 *   <li>A model served by several nodes is one model whose backends are all of theirs.
 *   <li>Its state is {@code ready} when any node's is, else {@code starting} when any node's is,
 *       else the state of the first node by name; its alias is the first node's.
 *   <li>An alias that another model uses as its id or alias is dropped (the model keeps its id), so
 *       a name still resolves to at most one model.
 *   <li>A backend url, or a {@code (generation, replica)} on one host, published by two nodes (two
 *       nodes advertising the same host) is kept once, from the first node by name: give every node
 *       its own advertise host.
 * </ul>
 */
final class ClusterMerge {
  private ClusterMerge() {}

  /** The merged models, sorted by id; {@code byNode} maps node name to its models by id. */
  static List<ModelRoute> merge(SortedMap<String, SortedMap<String, ModelRoute>> byNode) {
    SortedMap<String, List<ModelRoute>> byModel = new TreeMap<>();
    byNode.forEach(
        (node, models) ->
            models
                .values()
                .forEach(m -> byModel.computeIfAbsent(m.id(), k -> new ArrayList<>()).add(m)));
    Map<String, ModelRoute> merged = new LinkedHashMap<>();
    byModel.forEach((id, copies) -> merged.put(id, combine(copies)));
    Set<String> taken = new HashSet<>(merged.keySet());
    List<ModelRoute> out = new ArrayList<>(merged.size());
    for (ModelRoute m : merged.values()) {
      String alias = m.alias();
      if (!alias.equals(m.id()) && !taken.add(alias)) {
        alias = m.id();
      }
      out.add(new ModelRoute(m.id(), alias, m.state(), m.backends()));
    }
    return out;
  }

  private static ModelRoute combine(List<ModelRoute> copies) {
    ModelRoute first = copies.get(0);
    String state = first.state();
    if (copies.stream().anyMatch(m -> m.state().equals("ready"))) {
      state = "ready";
    } else if (copies.stream().anyMatch(m -> m.state().equals("starting"))) {
      state = "starting";
    }
    Map<String, BackendRoute> kept = new LinkedHashMap<>();
    Set<String> instances = new HashSet<>();
    for (ModelRoute m : copies) {
      for (BackendRoute b : m.backends()) {
        // a url, or an instance slot on one host, published by two nodes is kept once
        if (!kept.containsKey(b.url())
            && instances.add(b.generation() + "/" + b.replica() + "@" + b.host())) {
          kept.put(b.url(), b);
        }
      }
    }
    return new ModelRoute(first.id(), first.alias(), state, List.copyOf(kept.values()));
  }
}
