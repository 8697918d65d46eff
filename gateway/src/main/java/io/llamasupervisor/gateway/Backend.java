package io.llamasupervisor.gateway;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One llama-server the gateway sends requests to, identified by its {@code url}. Counts the
 * requests in flight exactly (incremented when a lease is granted, decremented when it is released)
 * and tracks transport failures for ejection. Mutable fields other than the counter are guarded by
 * the owning {@link ModelLane}'s lock.
 */
final class Backend {
  final String url;
  final String model;
  final AtomicInteger inFlight = new AtomicInteger();
  long generation;
  int slots;

  /** Listed READY in the current routing table. */
  boolean ready;

  /** On the gateway's own node ({@link Dispatcher#preferLocal}); set on every table. */
  boolean local;

  private int failuresInRow;
  private int ejectionsInRow;
  private Instant ejectedUntil = Instant.MIN;

  Backend(String url, String model, long generation, int slots) {
    this.url = url;
    this.model = model;
    this.generation = generation;
    this.slots = slots;
  }

  /** Requests this backend takes at once: its slots, or 1 when they are not known. */
  int capacity() {
    return Math.max(1, slots);
  }

  boolean hasFreeSlot() {
    return inFlight.get() < capacity();
  }

  boolean ejectedAt(Instant now) {
    return now.isBefore(ejectedUntil);
  }

  /** A request reached this backend and got a response head: the failure streak ends. */
  void succeeded() {
    failuresInRow = 0;
    ejectionsInRow = 0;
  }

  /**
   * A transport failure; returns the ejection end when this failure ejects the backend, else null.
   */
  Instant failed(Instant now, EjectionPolicy policy) {
    failuresInRow++;
    if (failuresInRow < policy.failures()) {
      return null;
    }
    failuresInRow = 0;
    ejectionsInRow++;
    ejectedUntil = now.plus(policy.duration(ejectionsInRow));
    return ejectedUntil;
  }

  Instant ejectedUntil() {
    return ejectedUntil;
  }
}
