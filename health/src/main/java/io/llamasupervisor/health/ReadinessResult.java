package io.llamasupervisor.health;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link ReadinessWait} ended. Exactly one of: {@link Ready}, {@link Exited}, {@link
 * TimedOut}, {@link Cancelled}. Each carries a {@link ProbeReason} and a human message, and the
 * time spent waiting as measured by the wait's clock.
 */
public sealed interface ReadinessResult {
  /**
   * {@link ProbeReason#OK}, {@link ProbeReason#EXITED}, {@link ProbeReason#HEALTH_TIMEOUT} or ...
   */
  ProbeReason reason();

  /** What happened, for people. */
  String message();

  /** Time from the start of the wait to this outcome. */
  Duration elapsed();

  /** {@code /health} returned 200 after {@code elapsed}. */
  record Ready(Duration elapsed) implements ReadinessResult {
    public Ready {
      Objects.requireNonNull(elapsed, "elapsed");
    }

    @Override
    public ProbeReason reason() {
      return ProbeReason.OK;
    }

    @Override
    public String message() {
      return "ready after " + elapsed;
    }
  }

  /**
   * The process exited while starting. {@code exitInfo} is the value the caller's exit signal
   * completed with (or the exception it failed with); it may be null.
   */
  record Exited(Object exitInfo, Duration elapsed) implements ReadinessResult {
    public Exited {
      Objects.requireNonNull(elapsed, "elapsed");
    }

    @Override
    public ProbeReason reason() {
      return ProbeReason.EXITED;
    }

    @Override
    public String message() {
      return "process exited while starting after "
          + elapsed
          + (exitInfo == null ? "" : ": " + exitInfo);
    }
  }

  /**
   * The deadline passed before {@code /health} returned 200. {@code lastStatus} is the last probe's
   * result (empty when no probe had completed); the message says what was expected, e.g. {@code
   * /health should return HTTP 200 within PT30S; last: 503 Loading model}.
   */
  record TimedOut(Optional<ProbeResult> lastStatus, String message, Duration elapsed)
      implements ReadinessResult {
    public TimedOut {
      Objects.requireNonNull(lastStatus, "lastStatus");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(elapsed, "elapsed");
    }

    @Override
    public ProbeReason reason() {
      return ProbeReason.HEALTH_TIMEOUT;
    }
  }

  /** The caller cancelled the wait. */
  record Cancelled(Duration elapsed) implements ReadinessResult {
    public Cancelled {
      Objects.requireNonNull(elapsed, "elapsed");
    }

    @Override
    public ProbeReason reason() {
      return ProbeReason.CANCELLED;
    }

    @Override
    public String message() {
      return "readiness wait cancelled after " + elapsed;
    }
  }
}
