package io.llamasupervisor.app.cli;

import java.io.PrintStream;
import java.util.List;

/** A subcommand of the {@code llama-supervisor} CLI. */
public interface Command {
  /** Returned by long-running commands whose threads keep the JVM alive. */
  int KEEP_RUNNING = Integer.MIN_VALUE;

  /** One line for the command list. */
  String summary();

  /**
   * Runs the command. Usage errors print a message to {@code err} and return 1.
   *
   * @return the process exit code, or {@link #KEEP_RUNNING}
   */
  int run(List<String> args, PrintStream out, PrintStream err);
}
