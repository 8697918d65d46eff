package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code restart ID [--wait]}: a blue-green restart. With {@code --wait} it follows the swap's
 * phases ({@code starting}, {@code draining}, {@code done}; or {@code failed}, {@code
 * stop-then-start}) and exits 0 when it is done, 5 when it failed or did not finish within {@code
 * --timeout}.
 */
@Command(name = "restart", description = "Restart a model blue-green (--wait: follow the swap).")
final class RestartCommand extends ModelActionCommand {
  private static final Duration POLL = Duration.ofMillis(250);

  @Option(names = "--wait", description = "Follow the swap until it is done or failed.")
  boolean await;

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "5m",
      converter = DurationConverter.class,
      description = "Longest wait with --wait (5m).")
  Duration timeout;

  @Override
  String action() {
    return "restart";
  }

  @Override
  int run(SupervisorApi client) throws IOException, InterruptedException {
    String path = SupervisorApi.modelPath(id, "");
    JsonNode before = null;
    if (await) {
      SupervisorApi.Answer a = client.get(path);
      if (!a.ok()) {
        return problem(a);
      }
      before = JSON.readTree(a.body()).path("rollout");
    }
    int code = super.run(client);
    if (!await || code != OK) {
      return code;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String shown = null;
    while (System.nanoTime() < deadline) {
      SupervisorApi.Answer a = client.get(path);
      if (!a.ok()) {
        return problem(a);
      }
      JsonNode rollout = JSON.readTree(a.body()).path("rollout");
      if (rollout.isObject() && !rollout.equals(before)) {
        String phase = rollout.path("phase").asText();
        String line =
            phase
                + " g"
                + rollout.path("fromGeneration").asInt()
                + " -> g"
                + rollout.path("toGeneration").asInt()
                + (rollout.path("message").asText("").isEmpty()
                    ? ""
                    : ": " + rollout.path("message").asText());
        if (!line.equals(shown)) {
          err().println(line);
          shown = line;
        }
        if (phase.equals("done")) {
          return OK;
        }
        if (phase.equals("failed")) {
          fail("the restart failed: " + rollout.path("message").asText());
          return FAILED;
        }
      }
      Thread.sleep(POLL.toMillis());
    }
    fail("the restart did not finish within " + timeout);
    return FAILED;
  }
}
