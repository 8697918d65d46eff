package io.llamasupervisor.testkit;

import java.util.Locale;

/**
 * The fault-injection knobs of the fake llama-server. Each is set by an environment variable {@code
 * FAKE_LLAMA_<NAME>} (what tests use, since a supervisor builds the argv itself) or by a flag
 * {@code --fake-<name>} ({@code --fake-load-ms 500} or {@code --fake-load-ms=500}); a flag wins
 * over the environment. testkit/README.md documents each one.
 */
enum Fault {
  /** Milliseconds the model takes to load (503 "Loading model" meanwhile). Default 20. */
  LOAD_MS(Kind.DURATION),
  /** Milliseconds per generated token (fractions allowed). Default 1. */
  TOKEN_MS(Kind.DECIMAL),
  /** Exit with {@link #EXIT_CODE} this many milliseconds after process start. */
  EXIT_AFTER_MS(Kind.DURATION),
  /** Exit with {@link #EXIT_CODE} when the K-th inference request arrives (before answering). */
  EXIT_AFTER_REQUESTS(Kind.COUNT),
  /** The exit code of the two exit faults. Default 1. */
  EXIT_CODE(Kind.COUNT),
  /** Stop answering HTTP (port open, process alive) this many milliseconds after start. */
  HANG_AFTER_MS(Kind.DURATION),
  /** Stop answering HTTP from the K-th inference request on (that request included). */
  HANG_AFTER_REQUESTS(Kind.COUNT),
  /** Inference requests fail with HTTP 500 while {@code /health} stays 200. */
  COMPLETIONS_500(Kind.BOOLEAN),
  /** SIGTERM and SIGINT are ignored, from process start; only SIGKILL ends the process. */
  IGNORE_SIGTERM(Kind.BOOLEAN),
  /**
   * The first SIGTERM/SIGINT once ready deadlocks like the real signal handler sometimes does:
   * nothing logged, queue-bound endpoints and generation stop for good; a second signal exits 1.
   */
  SHUTDOWN_DEADLOCK(Kind.BOOLEAN),
  /** Fork {@code sleep N} (N = the value, seconds) sharing stdout/stderr, at start. */
  FORK_GRANDCHILD(Kind.DURATION),
  /** Write this many bytes of log lines to stderr, as fast as possible, while loading. */
  FLOOD_STDERR_BYTES(Kind.COUNT),
  /**
   * Fail the load (exit 1) once the load time is over, with this {@code error loading model:} text.
   */
  FAIL_LOAD(Kind.TEXT),
  /**
   * Die by SIGSEGV while loading (like b10470 repacking q8_0 weights on an AMX CPU) unless every
   * comma-separated item (one or more arguments, e.g. {@code --no-repack} or {@code --flash-attn
   * off}) appears in the command line.
   */
  SEGV_UNLESS(Kind.TEXT),
  /**
   * With {@link #FAIL_LOAD}: fail only while the file at this path does not exist; the failing load
   * creates it, so the next process loads (a load failure that a retry fixes).
   */
  FAIL_LOAD_ONCE(Kind.TEXT),
  /**
   * The devices {@code --list-devices} reports: {@code NAME:DESCRIPTION:TOTAL_MIB:FREE_MIB,...}
   * ({@link Devices}); unset = none (a CPU-only build).
   */
  DEVICES(Kind.TEXT),
  /** Bytes the process really holds (touched, resident) from the end of loading on. */
  HOLD_BYTES(Kind.COUNT);

  enum Kind {
    DURATION,
    DECIMAL,
    COUNT,
    BOOLEAN,
    TEXT
  }

  private final Kind kind;

  Fault(Kind kind) {
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  /** {@code FAKE_LLAMA_LOAD_MS}. */
  String envName() {
    return "FAKE_LLAMA_" + name();
  }

  /** {@code --fake-load-ms}. */
  String flagName() {
    return "--fake-" + name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
