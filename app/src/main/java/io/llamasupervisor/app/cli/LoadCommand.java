package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code load ID [--wait]} and {@code unload ID [--wait]}: preload a model (like a request would
 * start it; with a memory budget it may evict idle models or wait for memory), or drain and stop it
 * while it stays startable on demand. With {@code --wait} each state the model goes through is
 * printed on stderr ({@code waiting: …}, {@code starting}, {@code ready}) and the command returns
 * once the model is {@code ready} (load) or {@code idle} (unload): exit 0; 5 when it failed, can
 * never fit, or did not get there within {@code --timeout}.
 */
abstract class LoadCommand extends ModelActionCommand {
  private static final Duration POLL = Duration.ofMillis(250);

  @Option(names = "--wait", description = "Wait until the model is there (load) or gone (unload).")
  boolean await;

  @Option(
      names = "--timeout",
      paramLabel = "D",
      defaultValue = "5m",
      converter = DurationConverter.class,
      description = "Longest wait with --wait (5m).")
  Duration timeout;

  /** The state the command waits for. */
  abstract String target();

  @Override
  int run(SupervisorApi client) throws IOException, InterruptedException {
    int code = super.run(client);
    if (!await || code != OK) {
      return code;
    }
    String path = SupervisorApi.modelPath(id, "");
    long deadline = System.nanoTime() + timeout.toNanos();
    String shown = null;
    while (System.nanoTime() < deadline) {
      SupervisorApi.Answer a = client.get(path);
      if (!a.ok()) {
        return problem(a);
      }
      JsonNode model = JSON.readTree(a.body());
      String state = model.path("state").asText();
      String waiting = model.path("memory").path("waiting").asText("");
      String line = state + (state.equals("waiting") && !waiting.isEmpty() ? ": " + waiting : "");
      if (!line.equals(shown)) {
        err().println(line);
        shown = line;
      }
      if (state.equals(target())) {
        return OK;
      }
      if (state.equals("failed") || state.equals("rejected") || state.equals("stopped")) {
        JsonNode d = model.path("lastDecision");
        fail(
            action()
                + " did not succeed: "
                + state
                + (d.isObject()
                    ? " (" + d.path("code").asText() + ": " + d.path("message").asText() + ")"
                    : ""));
        return FAILED;
      }
      Thread.sleep(POLL.toMillis());
    }
    fail("the model was not " + target() + " within " + timeout);
    return FAILED;
  }

  @Command(
      name = "load",
      description =
          "Load a model now (preload); with a memory budget it may evict idle models or wait.")
  static final class Load extends LoadCommand {
    @Override
    String action() {
      return "load";
    }

    @Override
    String target() {
      return "ready";
    }
  }

  @Command(
      name = "unload",
      description = "Drain and stop a model; the next request starts it again (unlike stop).")
  static final class Unload extends LoadCommand {
    @Override
    String action() {
      return "unload";
    }

    @Override
    String target() {
      return "idle";
    }
  }
}
