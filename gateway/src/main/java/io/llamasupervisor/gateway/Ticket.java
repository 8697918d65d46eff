package io.llamasupervisor.gateway;

import io.llamasupervisor.registry.DelayScheduler;
import java.time.Instant;
import java.util.Set;

/**
 * One request's claim on a model's backends: granted at once, queued (FIFO) or rejected. The state
 * moves once from waiting to granted, rejected or cancelled, under the lane's lock.
 */
public final class Ticket {
  enum State {
    WAITING,
    GRANTED,
    REJECTED,
    CANCELLED
  }

  final ModelLane lane;
  final Waiter waiter;
  final long affinity;
  final Set<String> excluded;
  final Instant arrived;

  /** The backend URL this request prefers while it is READY with a free slot; null: none. */
  String preferred;

  /** For a retry: why the first backend failed (named in the 502 when no other can be tried). */
  String retryOf;

  /** Queued while the model had no ready backend: its deadline is the startup deadline. */
  boolean forStart;

  State state = State.WAITING;
  DelayScheduler.Cancellable timeout;

  Ticket(ModelLane lane, Waiter waiter, long affinity, Set<String> excluded, Instant arrived) {
    this.lane = lane;
    this.waiter = waiter;
    this.affinity = affinity;
    this.excluded = excluded;
    this.arrived = arrived;
  }

  /**
   * The client went away: leave the queue at once. Returns false when the ticket was already
   * granted (the waiter then receives, or has received, a lease it must release) or rejected.
   */
  public boolean cancel() {
    return lane.cancel(this);
  }

  /** The model this ticket is for. */
  public String model() {
    return lane.id;
  }
}
