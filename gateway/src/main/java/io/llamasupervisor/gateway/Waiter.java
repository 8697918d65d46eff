package io.llamasupervisor.gateway;

/**
 * The request side of a {@link Ticket}: told exactly once either that it got a backend or why it
 * will not. Called on whatever thread made the decision (the caller's, a releasing request's, the
 * scheduler's), never under a lock; implementations hop to their own thread.
 */
public interface Waiter {

  /** A backend slot is reserved for this request; release the lease when the request ends. */
  void granted(Lease lease);

  /** The request will not be served; answer it with {@code error}. */
  void rejected(GatewayError error);
}
