package io.llamasupervisor.bench;

import java.io.IOException;

/** Asks the supervisor to restart (blue-green swap) a model. */
interface RestartTrigger {
  /** The supervisor's answer. */
  record Answer(int status, String body) {
    boolean accepted() {
      return status >= 200 && status <= 299;
    }
  }

  /** Sends the restart request for {@code model}. */
  Answer restart(String model) throws IOException, InterruptedException;
}
