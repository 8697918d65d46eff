package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code start ID}, {@code stop ID}, {@code restart ID}: asks the running {@code serve} (202) and
 * prints what will happen. Exit 0 when accepted, 3 for an unknown model, 4 when refused.
 */
abstract class ModelActionCommand extends OperatorCommand {
  @Parameters(paramLabel = "ID", description = "Model id or alias.")
  String id;

  /** {@code start}, {@code stop} or {@code restart}. */
  abstract String action();

  @Override
  int run(SupervisorApi client) throws IOException, InterruptedException {
    SupervisorApi.Answer a = client.post(SupervisorApi.modelPath(id, "/" + action()));
    if (!a.ok()) {
      return problem(a);
    }
    JsonNode body = JSON.readTree(a.body());
    if (json) {
      out().println(body.toString());
    } else {
      out().println(body.path("message").asText(action() + " accepted"));
    }
    return OK;
  }

  @Command(name = "start", description = "Start a model (also one that failed or was stopped).")
  static final class Start extends ModelActionCommand {
    @Override
    String action() {
      return "start";
    }
  }

  @Command(name = "stop", description = "Stop a model until it is started again.")
  static final class Stop extends ModelActionCommand {
    @Override
    String action() {
      return "stop";
    }
  }
}
