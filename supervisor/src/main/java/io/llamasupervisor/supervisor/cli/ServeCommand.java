package io.llamasupervisor.supervisor.cli;

import java.io.PrintStream;
import java.util.List;

/** {@code serve}: the supervisor's main job. */
public final class ServeCommand implements Command {
  @Override
  public String summary() {
    return "catalog, verify and supervise every model in a directory";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    err.println("serve: not available in this build");
    return 1;
  }
}
