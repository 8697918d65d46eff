package io.llamasupervisor.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a signal to a whole process group. Java has no API for that, so this runs procps {@code
 * kill -s SIG -- -PGID}, which the kernel delivers atomically to every member (including members
 * forked a moment ago). Refuses the supervisor's own group and groups 0 and 1.
 */
final class GroupSignaller implements GroupSignal {

  private static final Logger LOG = LoggerFactory.getLogger(GroupSignaller.class);
  private static final List<Path> KILL_CANDIDATES =
      List.of(Path.of("/usr/bin/kill"), Path.of("/bin/kill"));
  private static final long KILL_TIMEOUT_MS = 2000;

  private final Path killBinary;
  private final long ownGroup;

  GroupSignaller(Path killBinary, ProcFs proc) {
    this.killBinary = killBinary;
    this.ownGroup = proc.stat(ProcessHandle.current().pid()).map(ProcFs.Stat::pgrp).orElse(-1L);
  }

  /** The first executable of {@code /usr/bin/kill}, {@code /bin/kill}. */
  static Path locateKill() {
    return KILL_CANDIDATES.stream()
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("no kill binary (procps) in " + KILL_CANDIDATES));
  }

  @Override
  public boolean signalGroup(long pgid, String signal) {
    if (pgid <= 1 || pgid == ownGroup) {
      throw new IllegalArgumentException("refusing to signal process group " + pgid);
    }
    ProcessBuilder pb =
        new ProcessBuilder(killBinary.toString(), "-s", signal, "--", "-" + pgid)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      Process kill = pb.start();
      if (!kill.waitFor(KILL_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        LOG.warn(
            "{} -s {} -- -{} did not return in {} ms", killBinary, signal, pgid, KILL_TIMEOUT_MS);
        return false;
      }
      return kill.exitValue() == 0;
    } catch (IOException e) {
      LOG.warn("cannot run {}: {}", killBinary, e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
