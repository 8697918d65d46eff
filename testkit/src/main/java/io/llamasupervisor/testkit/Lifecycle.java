package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Owns the server state, the count of requests in flight, the hang fault and process exit.
 *
 * <p>Signal contract (b10470): while loading, SIGTERM/SIGINT are not handled and kill the process
 * (143/130). Once ready, the first signal logs {@code cleaning up before exit...}, closes the
 * listener and abandons every request; the process exits 0 as soon as no client is waiting for an
 * answer (at once when idle; an event stream is cut at its next SSE ping). A second signal prints
 * {@code Received second interrupt, terminating immediately.} and exits 1. With the shutdown
 * deadlock fault the first signal instead leaves the server {@link ServerState#STUCK} (the real
 * handler sometimes deadlocks when the signal lands mid-generation).
 */
final class Lifecycle {
  private final ServerLog log;
  private final boolean deadlockOnSignal;
  private final List<Runnable> onDrain = new ArrayList<>();
  private final List<Runnable> beforeExit = new ArrayList<>();
  private final CountDownLatch drained = new CountDownLatch(1);
  private ServerState state = ServerState.LOADING;
  private int inFlight;
  private volatile boolean hung;
  private volatile boolean stuck;

  /**
   * A lifecycle in {@link ServerState#LOADING}.
   *
   * @param deadlockOnSignal the first signal once ready gets stuck instead of shutting down
   */
  Lifecycle(ServerLog log, boolean deadlockOnSignal) {
    this.log = log;
    this.deadlockOnSignal = deadlockOnSignal;
  }

  synchronized ServerState state() {
    return state;
  }

  synchronized void moveTo(ServerState to) {
    if (!state.canMoveTo(to)) {
      throw new IllegalStateException("cannot move from " + state + " to " + to);
    }
    state = to;
  }

  /** Registers work to do when draining starts (close the listener, wake queued requests). */
  synchronized void onDrain(Runnable r) {
    onDrain.add(r);
  }

  /**
   * Registers a closer run right before the process exits. Closing sockets first matters: a JVM
   * exits hundreds of milliseconds late while threads are blocked in accept or read.
   */
  synchronized void beforeExit(Runnable r) {
    beforeExit.add(r);
  }

  /**
   * A request was read. Always counted: even one that will never be answered keeps the process
   * alive while draining, until its client hangs up.
   *
   * @return false when the request must not be answered (draining)
   */
  synchronized boolean begin() {
    inFlight++;
    return state != ServerState.DRAINING;
  }

  /** The request was answered or its client went away. */
  void end() {
    boolean exit;
    synchronized (this) {
      inFlight--;
      exit = state == ServerState.DRAINING && inFlight == 0;
    }
    if (exit) {
      exit(0);
    }
  }

  synchronized int inFlight() {
    return inFlight;
  }

  boolean isDraining() {
    synchronized (this) {
      return state == ServerState.DRAINING;
    }
  }

  /**
   * SIGTERM (15) or SIGINT (2). The handler is installed at start, but while loading it acts like
   * the real server, which has none yet: the signal ends the process (exit 128 + signal number).
   */
  void signal(int number) {
    List<Runnable> actions;
    boolean idle;
    synchronized (this) {
      if (state == ServerState.LOADING) {
        exit(128 + number);
        return;
      }
      if (state == ServerState.DRAINING || state == ServerState.STUCK) {
        log.print(LogLine.raw("Received second interrupt, terminating immediately."));
        exit(1);
        return;
      }
      if (deadlockOnSignal) {
        moveTo(ServerState.STUCK);
        stuck = true;
        return;
      }
      moveTo(ServerState.DRAINING);
      actions = List.copyOf(onDrain);
      idle = inFlight == 0;
    }
    log.print(Failures.cleaningUp());
    if (idle) {
      exit(0);
    }
    drained.countDown();
    actions.forEach(Runnable::run);
  }

  /** True once the shutdown is stuck (fault): generation has stopped for good. */
  boolean isStuck() {
    return stuck;
  }

  /** Blocks a queue-bound request forever once the shutdown is stuck (only an exit ends it). */
  void parkWhileStuck() {
    while (stuck) {
      LockSupport.park(this);
    }
  }

  /** From now on no HTTP request is answered (fault injection). */
  void hang() {
    hung = true;
  }

  boolean isHung() {
    return hung;
  }

  /** Blocks a request of a hung server until draining starts, then abandons it. */
  void parkWhileHung() throws Abandoned {
    if (!hung) {
      return;
    }
    try {
      drained.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new Abandoned();
  }

  /** Ends the process now, without shutdown hooks (like the real server's exit paths). */
  void exit(int code) {
    List<Runnable> closers;
    synchronized (this) {
      closers = List.copyOf(beforeExit);
    }
    for (Runnable r : closers) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // exiting anyway
      }
    }
    Runtime.getRuntime().halt(code);
  }
}
