package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import io.llamasupervisor.supervisor.memory.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code status [--url URL] [--api-key KEY] [--json]}: what a running {@code serve} supervises, one
 * line per model (state, serving generation and port, restarts, last decision). Exit code 0 when
 * every model is ready or does not count by the rule of {@code health --ready} ({@link
 * HealthCommand#notReady}: on-demand, rejected, stopped or stopping on purpose), 2 when some is
 * not, 1 when the API cannot be reached or refuses.
 */
@Command(
    name = "status",
    description = "Show the models a running serve supervises.",
    footer = {
      "",
      "Exit code: 0 every model ready (on-demand, rejected and operator-stopped models do not"
          + " count, as for health --ready), 2 some not, 1 API unreachable."
    })
public final class StatusCommand extends CliCommand {
  private static final ObjectMapper JSON = JsonMappers.mapper();

  @Mixin ApiOptions api;

  @Option(names = "--json", description = "Print the models as the API returns them.")
  boolean json;

  @Override
  public Integer call() {
    JsonNode models;
    SupervisorApi client;
    try {
      client = api.client();
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return 1;
    }
    try {
      SupervisorApi.Answer r = client.get("/api/v1/models");
      if (r.status() != 200) {
        fail(client.base() + " answered " + r.status() + ": " + r.body());
        return 1;
      }
      JsonNode body = JSON.readTree(r.body());
      models = body.has("models") ? body.get("models") : body;
    } catch (IOException | IllegalArgumentException e) {
      fail("cannot reach the supervisor at " + client.base() + ": " + client.cause(e));
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    PrintWriter out = out();
    if (json) {
      out.println(models.toString());
    } else {
      out.printf(
          "%-50s %-11s %-14s %-8s %-11s %s%n",
          "MODEL", "STATE", "SERVING", "RESTARTS", "MEMORY", "LAST");
      for (JsonNode m : models) {
        out.printf(
            "%-50s %-11s %-14s %-8s %-11s %s%n",
            m.path("id").asText(),
            m.path("state").asText(),
            serving(m),
            m.path("restarts").asInt(),
            memory(m),
            last(m));
      }
    }
    return HealthCommand.notReady(models).isEmpty() ? 0 : 2;
  }

  static String serving(JsonNode m) {
    for (JsonNode i : m.path("instances")) {
      if (i.path("state").asText().equalsIgnoreCase("ready")) {
        return "g" + i.path("generation").asInt() + " :" + i.path("port").asInt();
      }
    }
    return "-";
  }

  /**
   * The memory of a model: what its live instances hold, else its estimate in parentheses ({@code
   * (176 KiB)}); {@code *} marks a pinned model; {@code -} when nothing is known.
   */
  static String memory(JsonNode m) {
    JsonNode mem = m.path("memory");
    long resident = mem.path("residentBytes").asLong(0);
    long estimate = mem.path("estimatedBytes").asLong(0);
    if (estimate == 0) {
      estimate = m.path("plan").path("memory").path("totalBytes").asLong(0);
    }
    String pin = mem.path("pinned").asBoolean(false) ? "*" : "";
    if (resident > 0) {
      return Sizes.human(resident) + pin;
    }
    return estimate > 0 ? "(" + Sizes.human(estimate) + ")" + pin : "-";
  }

  static String last(JsonNode m) {
    JsonNode d = m.path("lastDecision");
    if (d.isMissingNode() || d.isNull()) {
      return "";
    }
    String msg = d.path("message").asText();
    return d.path("code").asText() + (msg.isEmpty() ? "" : ": " + msg);
  }
}
