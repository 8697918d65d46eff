package io.llamasupervisor.testkit;

/**
 * Unwinds a request that will never be answered: the server is draining (SIGTERM) or hung (fault).
 * The connection then only waits for the client to hang up.
 */
final class Abandoned extends Exception {
  Abandoned() {
    super(null, null, false, false);
  }
}
