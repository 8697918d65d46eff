package io.llamasupervisor.bench;

/** A bench that cannot run: no registry, no such model, no READY backend, a failing probe. */
public final class BenchException extends RuntimeException {
  public BenchException(String message) {
    super(message);
  }

  public BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
