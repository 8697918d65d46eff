package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;

/**
 * Sends bench requests to backends for one client, one request at a time. Never throws for a failed
 * request: every failure is an {@link Outcome}.
 */
interface BackendTransport extends AutoCloseable {
  /** Sends {@code request} to {@code backend} and reads the whole response. */
  Outcome send(BackendRoute backend, BenchRequest request);

  /**
   * Requests retried once on a new connection because a reused keep-alive connection turned out
   * closed before any response byte (what HTTP clients do with stale pooled connections).
   */
  default int staleRetries() {
    return 0;
  }

  /** Breaks the request in flight, if any (called from another thread at the end of a run). */
  void abort();

  /** Closes any open connection. */
  @Override
  void close();
}
