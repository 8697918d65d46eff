package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code models}: one line per model of a running {@code serve}. */
@Command(
    name = "models",
    description = "List the models of a running serve: state, serving generation, restarts.")
final class ModelsCommand extends OperatorCommand {
  @Override
  int run(SupervisorApi client) throws IOException, InterruptedException {
    SupervisorApi.Answer a = client.get("/api/v1/models");
    if (!a.ok()) {
      return problem(a);
    }
    JsonNode body = JSON.readTree(a.body());
    JsonNode models = body.has("models") ? body.get("models") : body;
    PrintWriter out = out();
    if (json) {
      out.println(models.toString());
      return OK;
    }
    out.printf(
        "%-50s %-11s %-14s %-8s %-11s %s%n",
        "MODEL", "STATE", "SERVING", "RESTARTS", "MEMORY", "ALIAS");
    for (JsonNode m : models) {
      out.printf(
          "%-50s %-11s %-14s %-8s %-11s %s%n",
          m.path("id").asText(),
          m.path("state").asText(),
          StatusCommand.serving(m),
          m.path("restarts").asInt(),
          StatusCommand.memory(m),
          m.path("alias").asText(""));
    }
    return OK;
  }
}
