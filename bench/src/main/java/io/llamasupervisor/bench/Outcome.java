package io.llamasupervisor.bench;

import java.util.Objects;

/**
 * How one request ended: a success, or a failure of some {@link FailureKind}.
 *
 * @param failure null for a success
 * @param status the HTTP status, or 0 when none was received
 * @param events SSE {@code data:} events received (0 for a non-stream response)
 * @param detail a short human explanation of a failure, empty for a success
 */
public record Outcome(FailureKind failure, int status, int events, String detail) {

  public Outcome {
    detail = Objects.requireNonNullElse(detail, "");
  }

  /** A complete response (for a stream: one that ended with {@code data: [DONE]}). */
  public static Outcome ok(int status, int events) {
    return new Outcome(null, status, events, "");
  }

  /** A failed request. */
  public static Outcome failed(FailureKind kind, int status, int events, String detail) {
    return new Outcome(Objects.requireNonNull(kind, "kind"), status, events, detail);
  }

  public boolean succeeded() {
    return failure == null;
  }

  /** {@code connection_reset}, or {@code http_503} for a status failure; {@code ok} on success. */
  public String label() {
    if (failure == null) {
      return "ok";
    }
    return failure == FailureKind.HTTP_STATUS ? "http_" + status : failure.key();
  }
}
