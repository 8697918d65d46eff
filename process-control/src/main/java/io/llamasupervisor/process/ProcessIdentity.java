package io.llamasupervisor.process;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What makes a running process "ours" across a supervisor restart: its pid, its start time in clock
 * ticks after boot ({@code /proc/<pid>/stat} field 22) and the SHA-256 of its argument vector
 * joined with NUL bytes (hex). A reused pid has a different start time, so it is never mistaken for
 * the process we launched.
 *
 * <p>{@code startTicks} is {@code -1} when the process was already gone when its identity was
 * taken; such an identity never matches a live process.
 */
public record ProcessIdentity(long pid, long startTicks, String argvHash) {

  public ProcessIdentity {
    if (pid <= 0) {
      throw new IllegalArgumentException("pid must be positive, got " + pid);
    }
    Objects.requireNonNull(argvHash, "argvHash");
  }

  /** The identity of the live process {@code pid}, or empty when it is gone or a zombie. */
  public static Optional<ProcessIdentity> capture(long pid) {
    return capture(ProcFs.SYSTEM, pid);
  }

  /**
   * True when {@code identity.pid()} is running (not a zombie), started at {@code startTicks} and
   * runs the argument vector whose hash is {@code argvHash}.
   */
  public static boolean isSameLiveProcess(ProcessIdentity identity) {
    return isSameLiveProcess(ProcFs.SYSTEM, identity);
  }

  /** SHA-256 (lower-case hex) of {@code argv} joined with NUL bytes, no trailing NUL. */
  public static String argvHash(List<String> argv) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
    for (int i = 0; i < argv.size(); i++) {
      if (i > 0) {
        sha.update((byte) 0);
      }
      sha.update(argv.get(i).getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static Optional<ProcessIdentity> capture(ProcFs proc, long pid) {
    Optional<ProcFs.Stat> stat = proc.stat(pid).filter(s -> !s.isDead());
    Optional<List<String>> argv = proc.cmdline(pid);
    if (stat.isEmpty() || argv.isEmpty() || argv.get().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ProcessIdentity(pid, stat.get().startTicks(), argvHash(argv.get())));
  }

  static boolean isSameLiveProcess(ProcFs proc, ProcessIdentity identity) {
    if (identity.startTicks() < 0 || !proc.isRunning(identity.pid(), identity.startTicks())) {
      return false;
    }
    return proc.cmdline(identity.pid())
        .map(argv -> argvHash(argv).equals(identity.argvHash()))
        .orElse(false);
  }
}
