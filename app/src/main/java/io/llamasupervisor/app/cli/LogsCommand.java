package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code logs ID [-f]}: the newest instance's output; {@code -f} follows new lines. Without lines,
 * stderr says why (not started yet, rejected); a rejected model exits with 4.
 */
@Command(name = "logs", description = "Print a model's llama-server output (-f: follow it).")
final class LogsCommand extends OperatorCommand {
  @Parameters(paramLabel = "ID", description = "Model id or alias.")
  String id;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines until interrupted.")
  boolean follow;

  @Option(
      names = {"-n", "--lines"},
      paramLabel = "N",
      defaultValue = "200",
      description = "How many of the last lines to print first (200).")
  int lines;

  /**
   * Says on stderr why there is no log: the model never ran ({@code no log yet: model X has not
   * been started (state idle, reason ON_DEMAND)}), or it is rejected, which exits with {@link
   * #REFUSED} like every command on a rejected model; otherwise (it is starting) {@link #OK}.
   */
  private int noLog(SupervisorApi client) throws IOException, InterruptedException {
    SupervisorApi.Answer a = client.get(SupervisorApi.modelPath(id, ""));
    if (!a.ok()) {
      return problem(a);
    }
    JsonNode m = JSON.readTree(a.body());
    String model = m.path("id").asText(id);
    String state = m.path("state").asText();
    if (state.equals("rejected")) {
      JsonNode catalog = m.path("catalog");
      String why =
          catalog.path("reason").isTextual()
              ? catalog.path("reason").asText() + ": " + catalog.path("message").asText()
              : OperatorCommand.decision(m);
      fail("no log: model " + model + " is rejected and never runs (" + why + ")");
      return REFUSED;
    }
    if (m.path("instances").isEmpty()) {
      fail(
          "no log yet: model "
              + model
              + " has not been started (state "
              + state
              + (m.path("lastDecision").isObject()
                  ? ", reason " + m.path("lastDecision").path("code").asText()
                  : "")
              + ")");
    } else {
      fail("no log lines yet: model " + model + " (state " + state + ")");
    }
    return OK;
  }

  @Override
  int run(SupervisorApi client) throws IOException, InterruptedException {
    String path = SupervisorApi.modelPath(id, "/logs?lines=" + lines);
    if (!follow) {
      SupervisorApi.Answer a = client.get(path);
      if (!a.ok()) {
        return problem(a);
      }
      JsonNode body = JSON.readTree(a.body());
      if (json) {
        out().println(body.toString());
      } else {
        body.path("lines").forEach(l -> out().println(l.asText()));
      }
      return body.path("lines").isEmpty() ? noLog(client) : OK;
    }
    HttpResponse<InputStream> r = client.stream(path + "&follow=true");
    if (r.statusCode() != 200) {
      return problem(SupervisorApi.Answer.of(r));
    }
    ServerSentEvents.read(
        r.body(),
        (event, data) -> {
          out().println(data);
          return true;
        });
    return OK;
  }
}
