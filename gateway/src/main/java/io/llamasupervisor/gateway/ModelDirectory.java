package io.llamasupervisor.gateway;

import java.util.List;
import java.util.Optional;

/**
 * Every accepted model the supervisor knows, running or not. In-process it reads the fleet; a
 * standalone gateway reads {@code GET /api/v1/models} of the supervisor ({@link
 * HttpModelDirectory}). Implementations must be thread-safe and cheap: the gateway calls {@link
 * #find} on the request path when the routing table has no ready backend for a model.
 */
public interface ModelDirectory {

  /** Every model, sorted by id. */
  List<ModelInfo> models();

  /** The model whose id or alias is {@code name}. */
  default Optional<ModelInfo> find(String name) {
    for (ModelInfo m : models()) {
      if (m.id().equals(name) || m.alias().equals(name)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /** A directory that knows nothing beyond the routing table. */
  ModelDirectory NONE = List::of;
}
