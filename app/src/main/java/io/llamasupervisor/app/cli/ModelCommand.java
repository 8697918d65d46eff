package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code model ID}: what a running {@code serve} knows about one model. */
@Command(name = "model", description = "Show one model of a running serve (id or alias).")
final class ModelCommand extends OperatorCommand {
  @Parameters(paramLabel = "ID", description = "Model id or alias.")
  String id;

  @Override
  int run(SupervisorApi client) throws IOException, InterruptedException {
    SupervisorApi.Answer a = client.get(SupervisorApi.modelPath(id, ""));
    if (!a.ok()) {
      return problem(a);
    }
    JsonNode m = JSON.readTree(a.body());
    PrintWriter out = out();
    if (json) {
      out.println(m.toString());
      return OK;
    }
    out.println(m.path("id").asText() + "  (alias " + m.path("alias").asText() + ")");
    line(out, "state", m.path("state").asText());
    line(out, "verdict", m.at("/catalog/verdict").asText("-"));
    line(out, "serving", StatusCommand.serving(m));
    line(out, "restarts", m.path("restarts").asText());
    line(out, "last", StatusCommand.last(m));
    JsonNode mem = m.path("memory");
    line(
        out,
        "memory",
        StatusCommand.memory(m)
            + (mem.path("priority").asInt(0) != 0
                ? " priority " + mem.path("priority").asInt()
                : "")
            + (mem.path("pinned").asBoolean(false) ? " pinned" : "")
            + (mem.path("waiting").isTextual()
                ? "; waiting: " + mem.path("waiting").asText()
                : ""));
    JsonNode r = m.path("rollout");
    if (r.isObject()) {
      line(
          out,
          "rollout",
          r.path("phase").asText()
              + " g"
              + r.path("fromGeneration").asInt()
              + " -> g"
              + r.path("toGeneration").asInt()
              + (r.path("message").asText("").isEmpty() ? "" : ": " + r.path("message").asText()));
    }
    for (JsonNode i : m.path("instances")) {
      line(
          out,
          "instance",
          "g"
              + i.path("generation").asInt()
              + " "
              + i.path("state").asText()
              + " pid "
              + i.path("pid").asLong()
              + " port "
              + i.path("port").asInt());
    }
    return OK;
  }

  private static void line(PrintWriter out, String key, String value) {
    out.printf("  %-10s %s%n", key + ":", value);
  }
}
