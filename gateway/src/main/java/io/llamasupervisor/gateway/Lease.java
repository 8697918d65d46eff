package io.llamasupervisor.gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reserved slot on one backend for one request attempt. {@link #release} ends it exactly once
 * (later calls do nothing); until then the backend counts the request as in flight.
 */
public final class Lease {
  /** How an attempt ended, for the failure streak of the backend. */
  public enum Outcome {
    /** The backend answered (any status): the failure streak ends. */
    ANSWERED,
    /** Connection refused, or reset before any response byte: counts towards ejection. */
    FAILED,
    /** The client left or the stream broke after the head: says nothing about the backend. */
    ABANDONED
  }

  final ModelLane lane;
  final Backend backend;
  private final Duration queued;
  private final int attempt;
  private final AtomicBoolean released = new AtomicBoolean();

  Lease(ModelLane lane, Backend backend, Duration queued, int attempt) {
    this.lane = lane;
    this.backend = backend;
    this.queued = queued;
    this.attempt = attempt;
  }

  /** {@code http://host:port} of the backend. */
  public String url() {
    return backend.url;
  }

  /** The backend's generation when the lease was granted. */
  public long generation() {
    return backend.generation;
  }

  /** The model's id. */
  public String model() {
    return lane.id;
  }

  /** How long the request waited in the queue for this lease (zero when granted at once). */
  public Duration queued() {
    return queued;
  }

  /** 1 for the first attempt, 2 for the retry. */
  public int attempt() {
    return attempt;
  }

  /** Ends the lease; the slot goes to the next queued request. Idempotent. */
  public void release(Outcome outcome) {
    if (released.compareAndSet(false, true)) {
      lane.release(this, outcome);
    }
  }

  boolean isReleased() {
    return released.get();
  }
}
