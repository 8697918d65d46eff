package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code logs ID [-f]}: the newest instance's output; {@code -f} follows new lines. */
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
      return OK;
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
