package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;

/**
 * One bench client: sends requests back to back to the READY backends its own {@link RouteFollower}
 * lists, in turn, and reports each as a {@link RequestRecord}. Before its view first lists a READY
 * backend it only waits; afterwards a table without one is reported once per gap as {@link
 * FailureKind#NO_READY_BACKEND}, and the client waits for the next table. After a failed request
 * the client also waits for the next table, or briefly, as a client would refresh its routing
 * before trying again (and without hammering a dead backend).
 */
final class LoadClient implements Runnable {
  /**
   * Longest wait for a new table when the view lists no READY backend, or after a failed request,
   * by default.
   */
  static final Duration GAP_WAIT = Duration.ofMillis(100);

  private final int id;
  private final boolean keepAlive;
  private final RouteFollower view;
  private final BackendTransport transport;
  private final RequestMix mix;
  private final Random random;
  private final Clock clock;
  private final Consumer<RequestRecord> sink;
  private final Duration gapWait;
  private volatile boolean stopping;
  private volatile boolean aborted;
  private boolean started;
  private boolean inGap;

  LoadClient(
      int id,
      boolean keepAlive,
      RouteFollower view,
      BackendTransport transport,
      RequestMix mix,
      Random random,
      Clock clock,
      Consumer<RequestRecord> sink,
      Duration gapWait) {
    this.id = id;
    this.keepAlive = keepAlive;
    this.view = view;
    this.transport = transport;
    this.mix = mix;
    this.random = random;
    this.clock = clock;
    this.sink = sink;
    this.gapWait = gapWait;
  }

  @Override
  public void run() {
    try {
      while (!stopping) {
        step();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      transport.close();
    }
  }

  /** Sends no new request after the current one. */
  void stop() {
    stopping = true;
  }

  /**
   * Breaks the request in flight; it is reported as a {@link FailureKind#TIMEOUT} because it was
   * still running when the bench ended.
   */
  void abort() {
    stopping = true;
    aborted = true;
    transport.abort();
  }

  /** Stale keep-alive connections retried on a new one. */
  int staleRetries() {
    return transport.staleRetries();
  }

  /** One request, or one wait for a table with a READY backend. */
  void step() throws InterruptedException {
    RoutingTable seen = view.table();
    Optional<RouteFollower.Pick> picked = view.pick();
    if (picked.isEmpty()) {
      if (started && !inGap) {
        inGap = true;
        Instant now = clock.instant();
        sink.accept(
            new RequestRecord(
                id,
                keepAlive,
                false,
                -1,
                null,
                now,
                now,
                Duration.ZERO,
                null,
                Outcome.failed(
                    FailureKind.NO_READY_BACKEND,
                    0,
                    0,
                    "routing table version "
                        + (seen == null ? "none" : seen.version())
                        + " lists no READY backend")));
      }
      view.awaitOther(seen, gapWait);
      return;
    }
    started = true;
    inGap = false;
    BackendRoute backend = picked.get().backend();
    BenchRequest request = mix.next(random);
    Instant sentAt = clock.instant();
    Outcome outcome = transport.send(backend, request);
    Instant endedAt = clock.instant();
    if (aborted && !outcome.succeeded()) {
      outcome =
          Outcome.failed(
              FailureKind.TIMEOUT,
              outcome.status(),
              outcome.events(),
              "still running when the bench ended (" + outcome.detail() + ")");
    }
    sink.accept(
        new RequestRecord(
            id,
            keepAlive,
            request.stream(),
            backend.generation(),
            backend.url(),
            picked.get().at(),
            sentAt,
            Duration.between(sentAt, endedAt),
            view.timeline().switchedAt(backend.generation()).orElse(null),
            outcome));
    if (!outcome.succeeded() && !stopping) {
      view.awaitOther(seen, gapWait);
    }
  }
}
