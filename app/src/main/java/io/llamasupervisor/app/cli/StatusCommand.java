package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * {@code status [--url URL] [--api-key KEY] [--json]}: what a running {@code serve} supervises, one
 * line per model (state, serving generation and port, restarts, last decision). Exit code 0 when
 * every accepted model is ready, 2 when some is not, 1 when the API cannot be reached.
 */
public final class StatusCommand implements Command {
  private static final String USAGE =
      "usage: llama-supervisor status [--url http://127.0.0.1:8090] [--api-key KEY] [--json]";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String summary() {
    return "show the models a running serve supervises";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    String url = "http://127.0.0.1:8090";
    String key = System.getenv("LLAMA_SUPERVISOR_API_KEY");
    boolean json = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--help", "-h" -> {
          out.println(USAGE);
          return 0;
        }
        case "--json" -> json = true;
        case "--url", "--api-key" -> {
          if (i + 1 >= args.size()) {
            err.println("status: " + a + " needs a value");
            return 1;
          }
          if (a.equals("--url")) {
            url = args.get(++i);
          } else {
            key = args.get(++i);
          }
        }
        default -> {
          err.println("status: unknown argument '" + a + "'");
          err.println(USAGE);
          return 1;
        }
      }
    }
    JsonNode models;
    try {
      HttpRequest.Builder req =
          HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/api/v1/models"))
              .timeout(Duration.ofSeconds(5));
      if (key != null && !key.isBlank()) {
        req.header("Authorization", "Bearer " + key);
      }
      HttpResponse<String> r =
          HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        err.println("status: " + url + " answered " + r.statusCode() + ": " + r.body());
        return 1;
      }
      JsonNode body = JSON.readTree(r.body());
      models = body.has("models") ? body.get("models") : body;
    } catch (IOException | IllegalArgumentException e) {
      err.println("status: cannot reach the supervisor at " + url + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    if (json) {
      out.println(models.toString());
    } else {
      out.printf("%-50s %-11s %-14s %-8s %s%n", "MODEL", "STATE", "SERVING", "RESTARTS", "LAST");
      for (JsonNode m : models) {
        out.printf(
            "%-50s %-11s %-14s %-8s %s%n",
            m.path("id").asText(),
            m.path("state").asText(),
            serving(m),
            m.path("restarts").asInt(),
            last(m));
      }
    }
    for (JsonNode m : models) {
      String state = m.path("state").asText();
      if (!state.equals("ready") && !state.equals("rejected") && !state.equals("stopped")) {
        return 2;
      }
    }
    return 0;
  }

  private static String serving(JsonNode m) {
    for (JsonNode i : m.path("instances")) {
      if (i.path("state").asText().equals("ready")) {
        return "g" + i.path("generation").asInt() + " :" + i.path("port").asInt();
      }
    }
    return "-";
  }

  private static String last(JsonNode m) {
    JsonNode d = m.path("lastDecision");
    if (d.isMissingNode() || d.isNull()) {
      return "";
    }
    String msg = d.path("message").asText();
    return d.path("code").asText() + (msg.isEmpty() ? "" : ": " + msg);
  }
}
