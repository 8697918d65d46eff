package io.llamasupervisor.process;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a process ended: {@code EXITED(code)}, {@code KILLED(signal)} or {@code UNKNOWN}.
 *
 * <p>The JDK reports a death by signal N as the exit value {@code 128 + N}, so {@link
 * #fromExitValue(int)} maps 129..192 to {@code KILLED}. A process that calls {@code exit(137)}
 * itself is therefore reported as {@code KILLED(SIGKILL)}; shells do exactly that when their child
 * was killed, so the reading is the useful one. The status of a process that is not our child (an
 * adopted one) cannot be read at all: {@link #unknown()}.
 */
public final class ExitStatus {

  /** The three ways a status can be known. */
  public enum Kind {
    EXITED,
    KILLED,
    UNKNOWN
  }

  private static final ExitStatus UNKNOWN = new ExitStatus(Kind.UNKNOWN, 0);
  private static final int SIGNAL_BASE = 128;
  private static final int MAX_SIGNAL = 64;
  private static final String[] SIGNAL_NAMES = {
    null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
    "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
  };

  private final Kind kind;
  private final int value;

  private ExitStatus(Kind kind, int value) {
    this.kind = kind;
    this.value = value;
  }

  /** A normal exit with {@code code} (0..255). */
  public static ExitStatus exited(int code) {
    if (code < 0 || code > 255) {
      throw new IllegalArgumentException("exit code must be 0..255, got " + code);
    }
    return new ExitStatus(Kind.EXITED, code);
  }

  /** A death by signal number {@code signal} (1..64). */
  public static ExitStatus killed(int signal) {
    if (signal < 1 || signal > MAX_SIGNAL) {
      throw new IllegalArgumentException("signal must be 1.." + MAX_SIGNAL + ", got " + signal);
    }
    return new ExitStatus(Kind.KILLED, signal);
  }

  /** The process is gone but how it ended cannot be known (it was not our child). */
  public static ExitStatus unknown() {
    return UNKNOWN;
  }

  /**
   * Interprets the value of {@link Process#exitValue()} on Linux: {@code 128 + N} for a death by
   * signal N (N in 1..64), the exit code otherwise.
   */
  public static ExitStatus fromExitValue(int exitValue) {
    if (exitValue > SIGNAL_BASE && exitValue <= SIGNAL_BASE + MAX_SIGNAL) {
      return killed(exitValue - SIGNAL_BASE);
    }
    return exited(exitValue & 0xff);
  }

  public Kind kind() {
    return kind;
  }

  /** The exit code, present only for {@link Kind#EXITED}. */
  public OptionalInt code() {
    return kind == Kind.EXITED ? OptionalInt.of(value) : OptionalInt.empty();
  }

  /** The terminating signal number, present only for {@link Kind#KILLED}. */
  public OptionalInt signal() {
    return kind == Kind.KILLED ? OptionalInt.of(value) : OptionalInt.empty();
  }

  /** True only for {@code EXITED(0)}. */
  public boolean isSuccess() {
    return kind == Kind.EXITED && value == 0;
  }

  /** {@code EXITED(1)}, {@code KILLED(SIGKILL)}, {@code KILLED(SIG40)} or {@code UNKNOWN}. */
  public String describe() {
    return switch (kind) {
      case EXITED -> "EXITED(" + value + ")";
      case KILLED -> "KILLED(" + signalName(value) + ")";
      case UNKNOWN -> "UNKNOWN";
    };
  }

  /** {@code SIGTERM} for 15; {@code SIG<n>} for numbers without a classic name. */
  public static String signalName(int signal) {
    if (signal > 0 && signal < SIGNAL_NAMES.length) {
      return "SIG" + SIGNAL_NAMES[signal];
    }
    return "SIG" + signal;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExitStatus other && other.kind == kind && other.value == value;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, value);
  }

  @Override
  public String toString() {
    return describe();
  }
}
