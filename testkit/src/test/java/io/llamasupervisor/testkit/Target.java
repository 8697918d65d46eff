package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a contract test runs against: always the fake, and the real llama-server when the
 * environment variable {@code LLAMA_SERVER_BIN} names its binary (skipped otherwise).
 */
enum Target {
  FAKE,
  REAL;

  static final String BIN_VARIABLE = "LLAMA_SERVER_BIN";

  /** Skips the calling test when this target is not available. */
  void assumeAvailable() {
    if (this == REAL) {
      String bin = System.getenv(BIN_VARIABLE);
      assumeTrue(
          bin != null && Files.isExecutable(Path.of(bin)),
          BIN_VARIABLE + " does not name a llama-server binary; real-server contract skipped");
    }
  }

  /** Starts this target in {@code dir} (relative model paths resolve there). */
  FakeServerProcess start(Path dir, List<String> args, Map<String, String> env) {
    assumeAvailable();
    return FakeServerProcess.start(
        this == FAKE
            ? FakeLlamaServer::command
            : a -> {
              List<String> cmd = new ArrayList<>();
              cmd.add(System.getenv(BIN_VARIABLE));
              cmd.addAll(a);
              return cmd;
            },
        args,
        env,
        dir);
  }
}
