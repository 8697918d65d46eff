package io.llamasupervisor.process;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A process tree started (or adopted) by a {@link ProcessLauncher}: the leader runs in its own
 * session and process group, so the whole tree can be signalled at once.
 *
 * <p>Lifecycle: running until the leader exits. When the leader exits, its output is drained into
 * {@link #logs()} <em>before</em> {@link #onExit()} completes. If members of its group are still
 * running after a natural exit, they are stopped as by {@code stop(}{@link
 * ProcessLauncher#ORPHAN_GRACE}{@code )}. Neither {@code stop} nor {@code kill} ever blocks.
 */
public interface ManagedProcess {

  /** The instance id given at launch. */
  String id();

  /** The leader's pid, which is also its process group id and session id. */
  long pid();

  /** What identifies the leader across a supervisor restart; persist it to adopt it later. */
  ProcessIdentity identity();

  /** When the process was started (for an adopted process: as the OS reports it). */
  Instant startInstant();

  /** The leader's argument vector. */
  List<String> argv();

  /** The output of the process: latest lines and log file counters. */
  ProcessLog logs();

  /** True until the leader has exited. */
  boolean isAlive();

  /** True when this process was attached after a restart rather than started by us. */
  boolean adopted();

  /**
   * Completes with the leader's exit status once it has exited and its output has been read; for an
   * adopted process the status is {@link ExitStatus#unknown()}. Each call returns a new dependent
   * future; completing or cancelling it has no effect on the process.
   */
  CompletableFuture<ExitStatus> onExit();

  /**
   * Stops the whole tree: SIGTERM to the process group (and to descendants that left it), then
   * SIGKILL to the group and every surviving descendant once {@code grace} has passed. Completes
   * with the leader's exit status when the leader, its group and its descendants are all gone, at
   * the latest about {@code grace + 1.5 s} after the call; exceptionally with {@link
   * ProcessStopException} only if the leader survived SIGKILL.
   *
   * <p>Idempotent: later calls (with any grace) return the same future. Safe after the leader has
   * exited: it then only takes down what is left of the group.
   */
  CompletableFuture<ExitStatus> stop(Duration grace);

  /**
   * Emergency stop: SIGKILL to the group and every descendant at once. During a {@link
   * #stop(Duration)} it ends the grace period early. Returns the same future as {@code stop}.
   */
  CompletableFuture<ExitStatus> kill();
}
