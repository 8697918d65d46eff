package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code top}: the gateway's per-model traffic, refreshed with every point of the API's traffic
 * stream ({@code GET /api/v1/traffic/stream}, every {@code supervisor.api.traffic-interval}): one
 * row per model of {@code GET /api/v1/models} with its state, requests per second, in flight,
 * queued, mean time to first token and tokens per second in the last interval. On a terminal each
 * refresh redraws the screen; otherwise the tables follow one another. {@code --json} prints each
 * point as the stream gives it, one line each.
 */
@Command(
    name = "top",
    description =
        "Show per-model traffic through the gateway of a running serve, refreshed live: requests/s,"
            + " in flight, queued, time to first token, tokens/s.")
final class TopCommand extends OperatorCommand {
  private static final String CLEAR = "\033[H\033[2J";

  @Option(
      names = {"-n", "--iterations"},
      paramLabel = "N",
      defaultValue = "0",
      description = "Stop after N refreshes (default 0: until interrupted).")
  int iterations;

  @Override
  int run(SupervisorApi client) throws IOException, InterruptedException {
    if (iterations < 0) {
      fail("--iterations must be 0 or more, not " + iterations);
      return UNREACHABLE;
    }
    HttpResponse<InputStream> r = client.stream("/api/v1/traffic/stream?history=false");
    if (r.statusCode() != 200) {
      return problem(SupervisorApi.Answer.of(r));
    }
    boolean redraw = !json && System.console() != null;
    int[] shown = {0};
    int[] code = {OK};
    ServerSentEvents.read(
        r.body(),
        (event, data) -> {
          if (!event.equals("traffic")) {
            return true;
          }
          if (json) {
            out().println(data);
          } else {
            SupervisorApi.Answer models;
            try {
              models = client.get("/api/v1/models");
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
            if (!models.ok()) {
              code[0] = problem(models);
              return false;
            }
            print(JSON.readTree(models.body()), JSON.readTree(data), redraw);
          }
          out().flush();
          return iterations == 0 || ++shown[0] < iterations;
        });
    return code[0];
  }

  private void print(JsonNode modelsBody, JsonNode point, boolean redraw) {
    PrintWriter out = out();
    if (redraw) {
      out.print(CLEAR);
    }
    JsonNode traffic = point.path("models");
    Map<String, String> states = new LinkedHashMap<>();
    JsonNode models = modelsBody.has("models") ? modelsBody.get("models") : modelsBody;
    models.forEach(m -> states.put(m.path("id").asText(), m.path("state").asText()));
    for (Iterator<String> it = traffic.fieldNames(); it.hasNext(); ) {
      states.putIfAbsent(it.next(), "");
    }
    out.println(point.path("at").asText());
    if (!point.path("gateway").asBoolean()) {
      out.println("no gateway traffic: this serve runs no gateway, or it has had no request yet");
    }
    out.printf(
        "%-50s %-9s %8s %9s %7s %9s %8s%n",
        "MODEL", "STATE", "REQ/S", "IN FLIGHT", "QUEUED", "TTFT MS", "TOK/S");
    states.forEach(
        (id, state) -> {
          JsonNode t = traffic.path(id);
          out.printf(
              "%-50s %-9s %8.1f %9d %7d %9s %8s%n",
              id,
              state,
              t.path("requestsPerSecond").asDouble(0),
              t.path("inFlight").asInt(0),
              t.path("queued").asInt(0),
              figure(t.path("ttftSeconds"), 1000),
              figure(t.path("tokensPerSecond"), 1));
        });
    out.println();
  }

  /** A mean of the interval scaled, or "-" when nothing ended in it. */
  private static String figure(JsonNode value, double scale) {
    return value.isNumber() ? String.format("%.1f", value.asDouble() * scale) : "-";
  }
}
