package io.llamasupervisor.registry;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * An immutable snapshot of where every model is served.
 *
 * <p>{@code epoch} names one run of the registry: a restart starts a new epoch, so a consumer can
 * tell a restart (new epoch, versions start again from 1) from a rewind. Within an epoch {@code
 * version} is at least 1, strictly increasing, and never reused; each distinct table gets exactly
 * one version. Models are sorted by id; ids and aliases share one namespace, so a name resolves to
 * at most one model. Serialized (by Jackson or {@link RoutingJson}) as {@code {"epoch", "version",
 * "models": [...]}}.
 */
public record RoutingTable(String epoch, long version, List<ModelRoute> models) {

  public RoutingTable {
    BackendRoute.requireText(epoch, "epoch");
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, was " + version);
    }
    TreeMap<String, ModelRoute> byId = new TreeMap<>();
    for (ModelRoute m : models == null ? List.<ModelRoute>of() : models) {
      Objects.requireNonNull(m, "model");
      if (byId.put(m.id(), m) != null) {
        throw new IllegalArgumentException("model " + m.id() + " is listed twice");
      }
    }
    requireUniqueNames(byId.values());
    models = List.copyOf(byId.values());
  }

  /** The model whose id or alias is {@code name}. */
  public Optional<ModelRoute> model(String name) {
    for (ModelRoute m : models) {
      if (m.id().equals(name) || m.alias().equals(name)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /** Whether this table routes exactly like {@code other}: same models, epoch and version aside. */
  public boolean sameRoutes(RoutingTable other) {
    return models.equals(other.models);
  }

  /** A builder holding this table's models, to derive the next table from. */
  public Builder toBuilder() {
    return new Builder(models);
  }

  private static void requireUniqueNames(Collection<ModelRoute> models) {
    Map<String, String> owner = new HashMap<>();
    for (ModelRoute m : models) {
      owner.put(m.id(), m.id());
    }
    for (ModelRoute m : models) {
      String other = owner.putIfAbsent(m.alias(), m.id());
      if (other != null && !other.equals(m.id())) {
        throw new IllegalArgumentException(
            "alias " + m.alias() + " of model " + m.id() + " is already taken by model " + other);
      }
    }
  }

  /**
   * The models of the next table, keyed by id. Not thread-safe; {@link RoutingRegistry#update}
   * hands one to a single writer at a time.
   */
  public static final class Builder {
    private final TreeMap<String, ModelRoute> models = new TreeMap<>();

    /** An empty builder. */
    public Builder() {}

    Builder(Collection<ModelRoute> initial) {
      initial.forEach(this::put);
    }

    /** Adds {@code model}, replacing the model with the same id. */
    public Builder put(ModelRoute model) {
      models.put(model.id(), Objects.requireNonNull(model, "model"));
      return this;
    }

    /** Removes the model {@code id}, if present. */
    public Builder remove(String id) {
      models.remove(id);
      return this;
    }

    /** Removes every model. */
    public Builder clear() {
      models.clear();
      return this;
    }

    /** The model {@code id}, if present. */
    public Optional<ModelRoute> get(String id) {
      return Optional.ofNullable(models.get(id));
    }

    /**
     * Replaces the model {@code id} with {@code change} applied to it; does nothing when absent.
     * Changing several backends of one model in one call (a swap: new generation READY, old one
     * DRAINING) yields one table, hence one version.
     */
    public Builder update(String id, UnaryOperator<ModelRoute> change) {
      ModelRoute current = models.get(id);
      if (current != null) {
        ModelRoute next = Objects.requireNonNull(change.apply(current), "changed model");
        if (!next.id().equals(id)) {
          throw new IllegalArgumentException(
              "update of model " + id + " renamed it to " + next.id());
        }
        models.put(id, next);
      }
      return this;
    }

    /** A copy of the current models, keyed and sorted by id. */
    public SortedMap<String, ModelRoute> models() {
      return Collections.unmodifiableSortedMap(new TreeMap<>(models));
    }

    /** The table with these models in {@code epoch} at {@code version}. */
    public RoutingTable build(String epoch, long version) {
      return new RoutingTable(epoch, version, List.copyOf(models.values()));
    }
  }
}
