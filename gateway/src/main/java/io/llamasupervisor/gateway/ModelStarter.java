package io.llamasupervisor.gateway;

/**
 * The port from the gateway to the supervisor: "a request wants this model". In-process the app
 * calls {@code fleet.demand(id)}; a standalone gateway sends {@code POST
 * {registry}/api/v1/models/{id}/start} ({@link HttpModelStarter}). After asking, the gateway waits
 * for a READY backend to appear in the routing table; it asks at most once per model until then.
 */
public interface ModelStarter {

  /**
   * Asks for {@code modelId} to be started; must not block for long (the call is made on a network
   * thread) and must be idempotent.
   *
   * @throws ModelUnavailableException when the supervisor refuses (an operator stopped the model,
   *     it is rejected or unknown): the waiting requests get 503 with its reason at once
   */
  void requestStart(String modelId);

  /** A starter that never starts anything (a table-only gateway). */
  ModelStarter NONE = id -> {};
}
