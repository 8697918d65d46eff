package io.llamasupervisor.supervisor.supervise;

/** Why the supervisor did something. Shown with every state change and decision. */
public enum ReasonCode {
  /** A verified model appeared (or the supervisor started). */
  MODEL_ADDED,
  /** The process exited by itself with a code. */
  EXITED,
  /** The process was killed by a signal it did not get from us. */
  KILLED,
  /** {@code /health} did not turn 200 before the startup deadline. */
  HEALTH_TIMEOUT,
  /** Liveness probes failed too often in a row, or the canary completion failed. */
  UNHEALTHY,
  /** llama-server could not load the model and will not on a retry. */
  LOAD_FAILED,
  /** The port was taken when llama-server tried to bind it. */
  PORT_IN_USE,
  /** llama-server could not be started at all (binary missing, not executable). */
  SPAWN_FAILED,
  /** No llama-server binary was found. */
  LLAMA_SERVER_NOT_FOUND,
  /** Start failures in a row exceeded the configured maximum. */
  CRASH_LOOP,
  /** An operator asked for it through the API or CLI. */
  OPERATOR_STOP,
  OPERATOR_START,
  OPERATOR_RESTART,
  /** The model file was deleted (or now fails verification). */
  FILE_REMOVED,
  /** The model file changed (size, mtime or inode). */
  FILE_CHANGED,
  /** The launch plan changed (configuration reloaded). */
  PLAN_CHANGED,
  /** The llama-server binary was replaced (path or modification time). */
  BINARY_CHANGED,
  /** The model file failed verification. */
  REJECTED,
  /** A live instance from a previous supervisor run was taken over. */
  ADOPTED,
  /** The supervisor is shutting down. */
  SHUTDOWN,
  /** Became ready. */
  READY,
  /** Started on demand only ({@code start: on-demand}): waits for its first request. */
  ON_DEMAND,
  /** Stopped after its {@code ttl} without requests; the next request starts it. */
  IDLE_TTL,
  /** A request wanted the model, which was not running ({@link Fleet#demand}). */
  DEMANDED,
  /**
   * Its start does not fit the memory budget now: it waits (state {@code waiting}) for memory to be
   * freed, or, when nothing asked for it, until a request wants it (state {@code idle}).
   */
  NO_MEMORY,
  /**
   * Its footprint is larger than the memory budget: it can never start (state {@code rejected}).
   */
  DOES_NOT_FIT,
  /** Stopped to make room in the memory budget for another model; a request starts it again. */
  EVICTED,
  /** Unloaded by an operator: drained and stopped; a request starts it again. */
  UNLOADED,
  /** An operator asked to load (preload) it. */
  OPERATOR_LOAD,
  /** llama-server could not allocate its memory while loading, also after one more eviction. */
  OUT_OF_MEMORY
}
