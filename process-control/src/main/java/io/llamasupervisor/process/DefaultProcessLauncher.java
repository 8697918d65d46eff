package io.llamasupervisor.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts children as {@code setsid argv...}. The JVM's forked child is never a process group
 * leader, so {@code setsid} creates the session and execs in place: the child's pid is its process
 * group id and session id. {@link #start} waits (at most 2 s, normally well under 1 ms) until the
 * new session exists; if it never does, stop() falls back to signalling the leader and its
 * descendants only.
 *
 * <p>Owns two small thread pools (log tailing/stop timers, and completion of callers' futures).
 * {@link #close()} shuts them down without touching the children, which keep running and can be
 * attached by a later launcher.
 */
public final class DefaultProcessLauncher implements ProcessLauncher, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultProcessLauncher.class);
  private static final List<Path> SETSID_CANDIDATES =
      List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
  private static final long SESSION_WAIT_MS = 2000;

  private final Clock clock;
  private final Path setsid;
  private final ProcFs proc;
  private final GroupSignaller signaller;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ExecutorService events;
  private final AdoptedExits adoptedExits;

  /** How often {@code /proc} is read for the exits of adopted (not our child) processes. */
  static final Duration ADOPTED_EXIT_POLL = Duration.ofMillis(100);

  /**
   * @throws IllegalStateException when {@code setsid} (util-linux) or {@code kill} (procps) is not
   *     installed
   */
  public DefaultProcessLauncher(Clock clock) {
    this(clock, locateSetsid(), GroupSignaller.locateKill(), ProcFs.SYSTEM);
  }

  DefaultProcessLauncher(Clock clock, Path setsid, Path kill, ProcFs proc) {
    this.clock = clock;
    this.setsid = setsid;
    this.proc = proc;
    this.signaller = new GroupSignaller(kill, proc);
    this.scheduler = new ScheduledThreadPoolExecutor(2, daemonThreads("process-control"));
    this.scheduler.setRemoveOnCancelPolicy(true);
    this.events = Executors.newCachedThreadPool(daemonThreads("process-events"));
    this.adoptedExits = new AdoptedExits(proc, scheduler, ADOPTED_EXIT_POLL);
  }

  @Override
  public ManagedProcess start(LaunchSpec spec) throws ProcessLaunchException {
    ensureOpen();
    Path logFile = spec.logFile();
    long startPosition;
    try {
      Files.createDirectories(spec.log().directory());
      startPosition = Files.exists(logFile) ? Files.size(logFile) : 0;
    } catch (IOException e) {
      throw new ProcessLaunchException("cannot prepare log file " + logFile + ": " + e, e);
    }
    checkExecutable(spec);

    List<String> command = new ArrayList<>(spec.argv().size() + 1);
    command.add(setsid.toString());
    command.addAll(spec.argv());
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectErrorStream(true);
    pb.environment().putAll(spec.env());
    if (spec.workingDirectory() != null) {
      pb.directory(spec.workingDirectory().toFile());
    }
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new ProcessLaunchException("cannot start " + spec.argv() + ": " + e.getMessage(), e);
    }
    Instant started = clock.instant();
    long pid = process.pid();
    Optional<ProcFs.Stat> stat = awaitSession(pid);
    long pgid = stat.filter(s -> s.session() == pid && s.pgrp() == pid).isPresent() ? pid : -1;
    if (stat.isPresent() && pgid < 0) {
      LOG.warn(
          "[{}] pid {} did not become a session leader ({}); stop() will signal its tree only",
          spec.id(),
          pid,
          stat.get());
    }
    ProcessIdentity identity =
        new ProcessIdentity(
            pid,
            stat.map(ProcFs.Stat::startTicks).orElse(-1L),
            ProcessIdentity.argvHash(spec.argv()));
    LOG.info(
        "[{}] started pid {}: {} (output: {})",
        spec.id(),
        pid,
        Secrets.maskArgv(spec.argv()),
        logFile);
    LogTailer tailer = new LogTailer(spec.id(), logFile, startPosition, false, spec.log());
    DefaultManagedProcess managed =
        new DefaultManagedProcess(
            spec.id(),
            Leader.child(process),
            pgid,
            identity,
            started,
            spec.argv(),
            false,
            tailer,
            proc,
            signaller,
            scheduler,
            events);
    managed.begin(spec.log().pollInterval());
    return managed;
  }

  @Override
  public ManagedProcess attach(String id, ProcessIdentity identity, Path logFile, LogSettings log)
      throws ProcessLaunchException {
    ensureOpen();
    long pid = identity.pid();
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    Optional<ProcFs.Stat> stat = proc.stat(pid);
    Optional<List<String>> argv = proc.cmdline(pid);
    if (handle.isEmpty()
        || stat.isEmpty()
        || argv.isEmpty()
        || !ProcessIdentity.isSameLiveProcess(proc, identity)) {
      throw new ProcessLaunchException(
          "[" + id + "] pid " + pid + " is gone or now belongs to another process");
    }
    long pgid = stat.get().pgrp() == pid ? pid : -1;
    long startPosition;
    try {
      startPosition = Files.exists(logFile) ? Math.max(0, Files.size(logFile) - log.maxBytes()) : 0;
    } catch (IOException e) {
      throw new ProcessLaunchException("cannot read log file " + logFile + ": " + e, e);
    }
    Instant started = handle.get().info().startInstant().orElse(clock.instant());
    LOG.info("[{}] adopted pid {} (group {}): {}", id, pid, pgid, argv.get());
    LogTailer tailer = new LogTailer(id, logFile, startPosition, startPosition > 0, log);
    tailer.poll(); // the recent history is visible as soon as attach returns
    DefaultManagedProcess managed =
        new DefaultManagedProcess(
            id,
            Leader.adopted(handle.get(), identity.startTicks(), proc, adoptedExits),
            pgid,
            identity,
            started,
            argv.get(),
            true,
            tailer,
            proc,
            signaller,
            scheduler,
            events);
    managed.begin(log.pollInterval());
    return managed;
  }

  /**
   * @deprecated the same as {@link Secrets#maskArgv}, which callers should use; kept until the
   *     supervisor's spawn log has moved to it
   */
  @Deprecated
  public static List<String> masked(List<String> argv) {
    return Secrets.maskArgv(argv);
  }

  /** Stops tailing and timers; running children are left alone (they can be attached later). */
  @Override
  public void close() {
    scheduler.shutdownNow();
    events.shutdown();
    try {
      scheduler.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void ensureOpen() {
    if (scheduler.isShutdown()) {
      throw new IllegalStateException("launcher is closed");
    }
  }

  /** Waits until {@code setsid} has made {@code pid} a session leader, or it is gone. */
  private Optional<ProcFs.Stat> awaitSession(long pid) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SESSION_WAIT_MS);
    while (true) {
      Optional<ProcFs.Stat> stat = proc.stat(pid);
      if (stat.isEmpty()
          || stat.get().session() == pid
          || stat.get().isDead()
          || System.nanoTime() > deadline) {
        return stat;
      }
      LockSupport.parkNanos(100_000);
    }
  }

  /** Fails early, with a clear message, when the program cannot be executed. */
  private static void checkExecutable(LaunchSpec spec) throws ProcessLaunchException {
    String program = spec.argv().get(0);
    if (program.contains("/")) {
      Path path = Path.of(program);
      if (!path.isAbsolute() && spec.workingDirectory() != null) {
        path = spec.workingDirectory().resolve(path);
      }
      if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
        throw new ProcessLaunchException("[" + spec.id() + "] not an executable file: " + path);
      }
      return;
    }
    String searchPath = spec.env().getOrDefault("PATH", System.getenv().getOrDefault("PATH", ""));
    for (String dir : searchPath.split(":", -1)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return;
      }
    }
    throw new ProcessLaunchException(
        "[" + spec.id() + "] program '" + program + "' not found on PATH " + searchPath);
  }

  private static Path locateSetsid() {
    return SETSID_CANDIDATES.stream()
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("no setsid (util-linux) in " + SETSID_CANDIDATES));
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
