package io.llamasupervisor.process;

import java.util.concurrent.CompletableFuture;

/** The process at the top of a managed tree: either our child or an adopted process. */
interface Leader {

  long pid();

  /** The leader's handle, for its descendants and start-time-checked signals. */
  ProcessHandle handle();

  boolean isAlive();

  /** Completes once the leader has exited (and, for a child, has been reaped). */
  CompletableFuture<ExitStatus> exit();

  /** A leader we started: the JDK reaps it and reports its exit value. */
  static Leader child(Process process) {
    CompletableFuture<ExitStatus> exit =
        process.onExit().thenApply(p -> ExitStatus.fromExitValue(p.exitValue()));
    return new Leader() {
      @Override
      public long pid() {
        return process.pid();
      }

      @Override
      public ProcessHandle handle() {
        return process.toHandle();
      }

      @Override
      public boolean isAlive() {
        return process.isAlive();
      }

      @Override
      public CompletableFuture<ExitStatus> exit() {
        return exit;
      }
    };
  }

  /**
   * A leader that is not our child. Its exit is seen through {@code exits} (a shared {@code /proc}
   * poll), and its status is unknown.
   */
  static Leader adopted(ProcessHandle handle, long startTicks, ProcFs proc, AdoptedExits exits) {
    CompletableFuture<ExitStatus> exit = exits.watch(handle.pid(), startTicks);
    return new Leader() {
      @Override
      public long pid() {
        return handle.pid();
      }

      @Override
      public ProcessHandle handle() {
        return handle;
      }

      @Override
      public boolean isAlive() {
        return proc.isRunning(handle.pid(), startTicks);
      }

      @Override
      public CompletableFuture<ExitStatus> exit() {
        return exit;
      }
    };
  }
}
