package io.llamasupervisor.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import java.io.IOException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command an operator runs against a running {@code serve} ({@code models}, {@code model}, {@code
 * logs}, {@code start}, {@code stop}, {@code restart}): {@code --url}, {@code --api-key}, {@code
 * --json}, and exit codes that say what happened.
 */
abstract class OperatorCommand extends CliCommand {
  /** Done. */
  static final int OK = 0;

  /** Usage error, or the API cannot be reached or answered something unexpected. */
  static final int UNREACHABLE = 1;

  /** No such model (404). */
  static final int NOT_FOUND = 3;

  /** Refused: a rejected model (409), or no or a too weak API key (401, 403). */
  static final int REFUSED = 4;

  /** {@code restart --wait}: the swap failed or did not finish in time. */
  static final int FAILED = 5;

  static final ObjectMapper JSON = JsonMappers.mapper();

  @Mixin ApiOptions api;

  @Option(names = "--json", description = "Print the API's JSON instead of a table.")
  boolean json;

  @Override
  public final Integer call() {
    SupervisorApi client;
    try {
      client = api.client();
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return UNREACHABLE;
    }
    try {
      return run(client);
    } catch (IOException e) {
      fail("cannot reach the supervisor at " + client.base() + ": " + client.cause(e));
      return UNREACHABLE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UNREACHABLE;
    }
  }

  /** {@code CODE: message} of a model's last decision, or "" when it has none. */
  static String decision(JsonNode model) {
    JsonNode d = model.path("lastDecision");
    if (!d.isObject()) {
      return "";
    }
    String message = d.path("message").asText();
    return d.path("code").asText() + (message.isEmpty() ? "" : ": " + message);
  }

  /** Runs the command; returns its exit code. */
  abstract int run(SupervisorApi client) throws IOException, InterruptedException;

  /**
   * The exit code of an answer that is not a success, after printing the API's error message; 0 for
   * a success.
   */
  int problem(SupervisorApi.Answer a) {
    if (a.ok()) {
      return OK;
    }
    String message = a.body();
    try {
      JsonNode error = JSON.readTree(a.body()).path("error");
      if (error.has("message")) {
        message = error.path("message").asText();
      }
    } catch (IOException e) {
      // not JSON: print it as it is
    }
    fail(message + " (HTTP " + a.status() + ")");
    return switch (a.status()) {
      case 404 -> NOT_FOUND;
      case 401, 403, 409 -> REFUSED;
      default -> UNREACHABLE;
    };
  }
}
