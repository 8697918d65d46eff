package io.llamasupervisor.process;

import java.io.IOException;

/**
 * A process could not be started (program not found or not executable, log directory not writable)
 * or attached (the process is gone or its pid now belongs to another process).
 */
public final class ProcessLaunchException extends IOException {

  public ProcessLaunchException(String message) {
    super(message);
  }

  public ProcessLaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
