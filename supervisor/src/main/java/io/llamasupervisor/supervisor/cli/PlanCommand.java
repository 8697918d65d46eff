package io.llamasupervisor.supervisor.cli;

import java.io.PrintStream;
import java.util.List;

/** {@code plan}: dry run of the launch plans for a models directory. */
public final class PlanCommand implements Command {
  @Override
  public String summary() {
    return "print the llama-server command line planned for every model (dry run)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    err.println("plan: not available in this build");
    return 1;
  }
}
