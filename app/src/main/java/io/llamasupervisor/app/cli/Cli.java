package io.llamasupervisor.app.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code llama-supervisor} command line: one picocli parser for every subcommand. A subcommand
 * is a {@link CliCommand} annotated with {@code @Command(name = ...)} and listed in {@code
 * subcommands} below (nested ones in their parent's list, like {@code bench swap}).
 *
 * <p>Exit codes: what the subcommand returns; 1 for usage errors (unknown option, bad value,
 * missing argument) and unexpected failures; 0 for {@code --help}.
 */
@Command(
    name = "llama-supervisor",
    synopsisSubcommandLabel = "COMMAND",
    description =
        "Supervises a folder of GGUF models as a fleet of llama.cpp llama-server processes.",
    subcommands = {
      ServeCommand.class,
      GatewayCommand.class,
      InspectCommand.class,
      PlanCommand.class,
      StatusCommand.class,
      HealthCommand.class,
      ModelsCommand.class,
      ModelCommand.class,
      LogsCommand.class,
      ModelActionCommand.Start.class,
      ModelActionCommand.Stop.class,
      RestartCommand.class,
      TopCommand.class,
      BenchCommand.class,
      HelpCommand.class
    },
    footer = {"", "Run 'llama-supervisor COMMAND --help' for the options of a command."})
public final class Cli extends CliCommand {
  /** Exit code of usage errors. */
  public static final int USAGE_ERROR = 1;

  @Override
  public Integer call() {
    err().print(spec.commandLine().getUsageMessage());
    return USAGE_ERROR;
  }

  /** Parses {@code args}, runs the subcommand and returns its exit code. */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    PrintWriter o =
        new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintWriter e =
        new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    try {
      return commandLine(o, e).execute(args.toArray(String[]::new));
    } finally {
      o.flush();
      e.flush();
    }
  }

  /** The parser with this CLI's conventions, writing to {@code out} and {@code err}. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setUsageHelpWidth(100);
    cl.setExpandAtFiles(false); // "@file" is a file name here, not an argument file
    cl.setOverwrittenOptionsAllowed(true); // a repeated option: the last one wins
    cl.setParameterExceptionHandler(Cli::usageError);
    cl.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          line.getErr().println(name(line) + ": " + ex);
          ex.printStackTrace(line.getErr());
          return 1;
        });
    return cl;
  }

  private static int usageError(ParameterException ex, String[] args) {
    CommandLine line = ex.getCommandLine();
    PrintWriter err = line.getErr();
    err.println(name(line) + ": " + ex.getMessage());
    UnmatchedArgumentException.printSuggestions(ex, err);
    err.print("Usage: " + line.getHelp().synopsis(0));
    err.println("Run '" + line.getCommandSpec().qualifiedName(" ") + " --help' for the options.");
    return USAGE_ERROR;
  }

  private static String name(CommandLine line) {
    String q = line.getCommandSpec().qualifiedName(" ");
    return q.equals("llama-supervisor") ? q : q.replaceFirst("^llama-supervisor ", "");
  }
}
