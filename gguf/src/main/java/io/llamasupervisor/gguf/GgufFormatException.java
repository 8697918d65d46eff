package io.llamasupervisor.gguf;

/** Thrown by {@link GgufReader} when a file breaks the format; carries a stable {@link Reason}. */
public final class GgufFormatException extends Exception {
  private final Reason reason;

  public GgufFormatException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
