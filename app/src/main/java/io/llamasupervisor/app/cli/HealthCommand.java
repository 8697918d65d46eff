package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code health [--url URL] [--api-key KEY] [--ready]}: exit 0 when the supervisor's {@code
 * /health} answers 200 and, with {@code --ready}, every model whose start mode is not on-demand is
 * ready (rejected models and models an operator stopped do not count); 1 otherwise. Meant as a
 * container health check: no curl needed, one line on stderr saying why it failed.
 */
@Command(
    name = "health",
    description =
        "Exit 0 when a running serve is healthy (with --ready: every model ready), else 1.")
public final class HealthCommand extends CliCommand {
  /**
   * Model states that do not hold {@code --ready} back: nothing will or should make them ready
   * ({@code rejected}, operator-stopped), or idle by design until a request starts them ({@code
   * idle}: on demand, stopped by its ttl, evicted for memory).
   */
  private static final Set<String> NOT_COUNTED = Set.of("rejected", "stopped", "stopping", "idle");

  private static final ObjectMapper JSON = JsonMappers.mapper();

  @Mixin ApiOptions api;

  @Option(
      names = "--ready",
      description =
          "Also require every model to be ready (on-demand, rejected and operator-stopped models"
              + " do not count).")
  boolean ready;

  @Override
  public Integer call() {
    SupervisorApi client;
    try {
      client = api.client();
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return 1;
    }
    try {
      SupervisorApi.Answer h = client.get("/health");
      if (h.status() != 200) {
        fail(client.base() + "/health answered " + h.status());
        return 1;
      }
      if (!ready) {
        return 0;
      }
      SupervisorApi.Answer m = client.get("/api/v1/models");
      if (m.status() != 200) {
        fail(client.base() + "/api/v1/models answered " + m.status() + ": " + m.body());
        return 1;
      }
      List<String> notReady = notReady(JSON.readTree(m.body()));
      if (!notReady.isEmpty()) {
        fail("not ready: " + String.join(", ", notReady));
        return 1;
      }
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      fail("cannot reach the supervisor: " + client.cause(e));
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /**
   * {@code "id (state)"} of every model that holds readiness back: every model that is not {@code
   * ready}, except on-demand models, {@code idle} ones (on demand, stopped by their ttl, evicted:
   * the next request starts them), rejected ones and ones an operator stopped ({@code stopped},
   * {@code stopping}). {@code status} exits 2 by the same rule.
   *
   * @param body {@code GET /api/v1/models}: an array, or an object with a {@code models} array
   */
  static List<String> notReady(JsonNode body) {
    JsonNode models = body.has("models") ? body.get("models") : body;
    List<String> out = new ArrayList<>();
    for (JsonNode m : models) {
      String state = m.path("state").asText().toLowerCase(java.util.Locale.ROOT);
      if (state.equals("ready") || NOT_COUNTED.contains(state) || onDemand(m)) {
        continue;
      }
      out.add(m.path("id").asText() + " (" + state + ")");
    }
    return out;
  }

  private static boolean onDemand(JsonNode m) {
    for (String field : List.of("start", "startMode")) {
      String v = m.path(field).asText("").toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      if (v.equals("on-demand")) {
        return true;
      }
    }
    return false;
  }
}
