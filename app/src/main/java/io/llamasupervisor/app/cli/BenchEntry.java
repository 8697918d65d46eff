package io.llamasupervisor.app.cli;

import io.llamasupervisor.bench.BenchCommand;
import java.io.PrintStream;
import java.util.List;

/** {@code bench}: the load tools of the {@code bench} module behind the CLI's command interface. */
public final class BenchEntry implements Command {
  private final BenchCommand bench = new BenchCommand();

  @Override
  public String summary() {
    return bench.summary();
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    return bench.run(args, out, err);
  }
}
