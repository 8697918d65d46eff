package io.llamasupervisor.supervisor.supervise;

import io.llamasupervisor.process.ExitStatus;
import io.llamasupervisor.process.LaunchSpec;
import io.llamasupervisor.process.LogSettings;
import io.llamasupervisor.process.ManagedProcess;
import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.process.ProcessLaunchException;
import io.llamasupervisor.process.ProcessLauncher;
import io.llamasupervisor.process.ProcessLog;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A launcher of pretend processes for unit tests: nothing runs; a test ends a process with {@link
 * FakeProcess#exit}. {@link FakeProcess#stop} ends it at once with SIGTERM.
 */
final class FakeProcesses implements ProcessLauncher {
  /** Beyond Linux's largest pid, so that no /proc lookup ever finds one of these. */
  private static final AtomicLong PIDS = new AtomicLong(10_000_000);

  private final Clock clock;
  final List<FakeProcess> started = new CopyOnWriteArrayList<>();
  final List<FakeProcess> attached = new CopyOnWriteArrayList<>();
  final AtomicInteger failures = new AtomicInteger();

  FakeProcesses(Clock clock) {
    this.clock = clock;
  }

  /** The next {@code n} starts throw, as for a binary that cannot be executed. */
  FakeProcesses failNext(int n) {
    failures.set(n);
    return this;
  }

  @Override
  public ManagedProcess start(LaunchSpec spec) throws ProcessLaunchException {
    if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new ProcessLaunchException("cannot start " + spec.argv().get(0) + ": not executable");
    }
    FakeProcess p =
        new FakeProcess(
            spec.id(), PIDS.incrementAndGet(), spec.argv(), spec.logFile(), clock.instant(), false);
    started.add(p);
    return p;
  }

  @Override
  public ManagedProcess attach(String id, ProcessIdentity identity, Path logFile, LogSettings log) {
    FakeProcess p =
        new FakeProcess(
            id, identity.pid(), List.of("llama-server"), logFile, clock.instant(), true);
    attached.add(p);
    return p;
  }

  /** The last started process whose launch id starts with {@code prefix}. */
  FakeProcess last(String prefix) {
    List<FakeProcess> mine = started.stream().filter(p -> p.id().startsWith(prefix)).toList();
    if (mine.isEmpty()) {
      throw new AssertionError("no process started for " + prefix + ": " + started);
    }
    return mine.get(mine.size() - 1);
  }

  /** A process that only ends when told to. */
  static final class FakeProcess implements ManagedProcess {
    private final String id;
    private final long pid;
    private final List<String> argv;
    private final Instant started;
    private final boolean adopted;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<Duration> stops = new CopyOnWriteArrayList<>();
    private final Path logFile;

    FakeProcess(
        String id, long pid, List<String> argv, Path logFile, Instant started, boolean adopted) {
      this.id = id;
      this.pid = pid;
      this.argv = List.copyOf(argv);
      this.logFile = logFile;
      this.started = started;
      this.adopted = adopted;
    }

    /** Ends the process with {@code status} (its exit handlers run). */
    void exit(ExitStatus status) {
      exit.complete(status);
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public ProcessIdentity identity() {
      return new ProcessIdentity(pid, 1, "argv-" + pid);
    }

    @Override
    public Instant startInstant() {
      return started;
    }

    @Override
    public List<String> argv() {
      return argv;
    }

    @Override
    public ProcessLog logs() {
      return new ProcessLog() {
        @Override
        public List<String> lastLines(int n) {
          List<String> all = new ArrayList<>(lines);
          return all.subList(Math.max(0, all.size() - n), all.size());
        }

        @Override
        public Path file() {
          return logFile;
        }

        @Override
        public long retainedBytes() {
          return 0;
        }

        @Override
        public long bytesRead() {
          return 0;
        }

        @Override
        public long bytesSkipped() {
          return 0;
        }

        @Override
        public int truncations() {
          return 0;
        }
      };
    }

    @Override
    public boolean isAlive() {
      return !exit.isDone();
    }

    @Override
    public boolean adopted() {
      return adopted;
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
      return exit.thenApply(s -> s);
    }

    @Override
    public CompletableFuture<ExitStatus> stop(Duration grace) {
      stops.add(grace);
      exit.complete(ExitStatus.killed(15));
      return exit;
    }

    @Override
    public CompletableFuture<ExitStatus> kill() {
      exit.complete(ExitStatus.killed(9));
      return exit;
    }

    @Override
    public String toString() {
      return id + "(pid " + pid + (isAlive() ? "" : ", " + exit.join().describe()) + ")";
    }
  }
}
