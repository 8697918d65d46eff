package io.llamasupervisor.api;

import io.llamasupervisor.supervisor.supervise.ModelStatus;

/** What an accepted operator command will do, told from the model's state before it. */
final class CommandMessages {
  private CommandMessages() {}

  static String of(String action, ModelStatus before) {
    boolean serving = before.state().equals("ready");
    int live = before.instances().size();
    return switch (action) {
      case "start" ->
          serving
              ? "already serving; any operator stop and failure backoff are cleared"
              : "starting: operator stop and failure backoff cleared; the model is ready when"
                  + " /api/v1/routes lists a READY backend";
      case "stop" ->
          live == 0
              ? "no instance is running; the model stays stopped until started"
              : "stopping "
                  + live
                  + (live == 1 ? " instance" : " instances")
                  + " (SIGTERM, then SIGKILL after the grace period); the model stays stopped"
                  + " until started";
      case "restart" ->
          serving
              ? "blue-green restart: a new generation starts, takes traffic once ready, then the"
                  + " old one drains and stops"
              : "nothing is serving: starting a new generation";
      case "load" ->
          serving
              ? "already serving"
              : "loading: the model starts like a request would start it (with a memory budget it"
                  + " may evict idle models or wait for memory; see GET /api/v1/memory)";
      case "unload" ->
          live == 0
              ? "no instance is running; the model starts again when a request wants it"
              : "unloading: the instances drain, then stop; the model starts again when a request"
                  + " wants it";
      default -> throw new IllegalArgumentException("unknown action " + action);
    };
  }
}
