package io.llamasupervisor.app.cli;

import picocli.CommandLine.Command;

/** {@code bench}: the load tools; each tool is a subcommand ({@code bench swap}). */
@Command(
    name = "bench",
    synopsisSubcommandLabel = "TOOL",
    description = "Load tools: 'bench swap' checks that model restarts lose no request.",
    subcommands = {BenchSwapCommand.class})
public final class BenchCommand extends CliCommand {
  @Override
  public Integer call() {
    fail("no tool given");
    err().print(spec.commandLine().getUsageMessage());
    return Cli.USAGE_ERROR;
  }
}
