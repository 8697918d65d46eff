package io.llamasupervisor.process;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts process trees and re-attaches to ones started before a supervisor restart.
 *
 * <p>Children run in their own session and process group, with stdin from {@code /dev/null} and
 * stdout and stderr appended to one log file per instance (never pipes): a child keeps running and
 * logging if the supervisor dies, and a grandchild holding its output can never block us.
 */
public interface ProcessLauncher {

  /** How long group members left behind by a leader's natural exit get between TERM and KILL. */
  Duration ORPHAN_GRACE = Duration.ofSeconds(5);

  /**
   * Starts {@code spec.argv()} in a new session. The log directory is created when missing; output
   * is appended to {@link LaunchSpec#logFile()} and followed from its current end.
   *
   * @throws ProcessLaunchException when the program is not found or not executable, or the log file
   *     cannot be created
   */
  ManagedProcess start(LaunchSpec spec) throws ProcessLaunchException;

  /**
   * Takes over a live process that is not our child (after a supervisor restart). Its output is
   * followed from the last {@code log.maxBytes()} of {@code logFile}; {@link ManagedProcess#stop}
   * works as for a started process; its exit status is {@link ExitStatus#unknown()}.
   *
   * @throws ProcessLaunchException when {@code identity} does not describe a live process (gone,
   *     zombie, or pid reused by another process)
   */
  ManagedProcess attach(String id, ProcessIdentity identity, Path logFile, LogSettings log)
      throws ProcessLaunchException;
}
