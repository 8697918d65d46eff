package io.llamasupervisor.app.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A subcommand of {@code llama-supervisor}: picocli parses its annotated fields, then calls {@link
 * #call()}, whose result is the process exit code. Output goes to {@link #out()} and {@link
 * #err()}, which {@link Cli} connects to the caller's streams. Usage errors (unknown option, bad
 * value) exit with 1 and print the command's usage; {@code --help} prints it and exits with 0.
 */
public abstract class CliCommand implements Callable<Integer> {
  @Spec protected CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  /** Standard output of this invocation. */
  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** Standard error of this invocation. */
  protected PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints {@code "<command>: <message>"} to {@link #err()}. */
  protected void fail(String message) {
    err().println(spec.qualifiedName(" ").replaceFirst("^llama-supervisor ", "") + ": " + message);
  }
}
