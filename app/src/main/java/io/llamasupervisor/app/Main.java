package io.llamasupervisor.app;

import io.llamasupervisor.app.cli.Command;
import io.llamasupervisor.app.cli.InspectCommand;
import io.llamasupervisor.app.cli.PlanCommand;
import io.llamasupervisor.app.cli.ServeCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Entry point of {@code llama-supervisor}: dispatches to a subcommand. */
public final class Main {
  static final Map<String, Supplier<Command>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("serve", ServeCommand::new);
    COMMANDS.put("inspect", InspectCommand::new);
    COMMANDS.put("plan", PlanCommand::new);
    COMMANDS.put("status", io.llamasupervisor.app.cli.StatusCommand::new);
    COMMANDS.put("bench", io.llamasupervisor.app.cli.BenchEntry::new);
  }

  private Main() {}

  public static void main(String[] args) {
    int code = run(Arrays.asList(args), System.out, System.err);
    if (code != Command.KEEP_RUNNING) {
      System.exit(code);
    }
  }

  /** Runs a subcommand; returns its exit code. */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
      usage(args.isEmpty() ? err : out);
      return args.isEmpty() ? 1 : 0;
    }
    Supplier<Command> command = COMMANDS.get(args.get(0));
    if (command == null) {
      err.println("llama-supervisor: unknown command '" + args.get(0) + "'");
      usage(err);
      return 1;
    }
    return command.get().run(args.subList(1, args.size()), out, err);
  }

  private static void usage(PrintStream out) {
    out.println("usage: llama-supervisor <command> [options]");
    out.println();
    out.println("commands:");
    for (Map.Entry<String, Supplier<Command>> e : COMMANDS.entrySet()) {
      out.printf("  %-10s %s%n", e.getKey(), e.getValue().get().summary());
    }
    out.println();
    out.println("Run 'llama-supervisor <command> --help' for the options of a command.");
  }
}
