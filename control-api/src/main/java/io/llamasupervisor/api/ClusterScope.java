package io.llamasupervisor.api;

import io.llamasupervisor.registry.RouteSource;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The cluster-wide routing table that {@code GET /api/v1/routes?scope=cluster} (and the stream and
 * LiteLLM export with the same parameter) serve, with whether it is stale (etcd not reached lately,
 * so it may be out of date). {@link #NONE} when {@code serve} runs without a cluster.
 */
public final class ClusterScope {
  /** No cluster: {@code scope=cluster} answers 404. */
  public static final ClusterScope NONE = new ClusterScope(null, () -> false);

  private final RouteSource routes;
  private final BooleanSupplier stale;

  /** The cluster table {@code routes}, stale while {@code stale} says so. */
  public ClusterScope(RouteSource routes, BooleanSupplier stale) {
    this.routes = routes;
    this.stale = Objects.requireNonNull(stale, "stale");
  }

  /** The cluster table, empty without a cluster. */
  public Optional<RouteSource> routes() {
    return Optional.ofNullable(routes);
  }

  /** Whether the cluster table may be out of date. */
  public boolean stale() {
    return stale.getAsBoolean();
  }
}
