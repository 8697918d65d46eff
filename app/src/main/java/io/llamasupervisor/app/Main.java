package io.llamasupervisor.app;

import io.llamasupervisor.app.cli.Cli;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** Entry point of {@code llama-supervisor}: parses the command line with {@link Cli}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(Arrays.asList(args), System.out, System.err));
  }

  /** Runs a subcommand; returns its exit code. */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    return Cli.run(args, out, err);
  }
}
