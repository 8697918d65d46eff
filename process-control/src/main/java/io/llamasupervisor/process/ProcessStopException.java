package io.llamasupervisor.process;

/** A managed process could not be stopped: it survived SIGKILL (e.g. stuck in the kernel). */
public final class ProcessStopException extends RuntimeException {

  public ProcessStopException(String message) {
    super(message);
  }
}
