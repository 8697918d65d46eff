package io.llamasupervisor.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: spawning through setsid, exit reporting, stopping trees, bounded logs. */
class ProcessLauncherIT {

  private static final ProcFs PROC = ProcFs.SYSTEM;

  @TempDir Path logDir;
  private DefaultProcessLauncher launcher;
  private LogSettings settings;
  private final List<ManagedProcess> started = new ArrayList<>();

  @BeforeEach
  void setUp() {
    launcher = new DefaultProcessLauncher(Clock.systemUTC());
    settings = LogSettings.builder(logDir).pollInterval(Duration.ofMillis(50)).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (ManagedProcess p : started) {
      p.kill().handle((s, e) -> s).get(5, TimeUnit.SECONDS);
    }
    launcher.close();
  }

  private ManagedProcess start(String id, LogSettings log, String... argv)
      throws ProcessLaunchException {
    ManagedProcess p = launcher.start(LaunchSpec.of(id, List.of(argv), log));
    started.add(p);
    return p;
  }

  private ManagedProcess start(String id, String... argv) throws ProcessLaunchException {
    return start(id, settings, argv);
  }

  private static void awaitLine(ManagedProcess p, String prefix) {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> p.logs().lastLines(100).stream().anyMatch(l -> l.startsWith(prefix)));
  }

  private static long pidFromLine(ManagedProcess p, String prefix) {
    awaitLine(p, prefix);
    return p.logs().lastLines(100).stream()
        .filter(l -> l.startsWith(prefix))
        .map(l -> Long.parseLong(l.substring(prefix.length()).trim()))
        .findFirst()
        .orElseThrow();
  }

  private static List<Long> runningGroup(long pgid) {
    return PROC.runningGroupMembers(pgid).stream().map(ProcFs.Stat::pid).toList();
  }

  /** The lead's design assumes setsid execs in place; this verifies it on this machine. */
  @Test
  void setsidMakesTheChildASessionAndGroupLeaderWithoutForking() throws Exception {
    ManagedProcess p = start("sleeper", "sleep", "1000");
    ProcFs.Stat stat = PROC.stat(p.pid()).orElseThrow();
    assertEquals(p.pid(), stat.pgrp(), "pgid");
    assertEquals(p.pid(), stat.session(), "sid");
    assertEquals(ProcessHandle.current().pid(), stat.ppid(), "setsid must not fork");
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> PROC.cmdline(p.pid()).equals(Optional.of(List.of("sleep", "1000"))));
    assertTrue(p.isAlive());
    assertEquals(List.of("sleep", "1000"), p.argv());
  }

  /**
   * onExit completes with the exit code, and only after the process really ended (its last act,
   * writing the marker, happened before). The latency is printed for the benchmarks, not asserted.
   */
  @Test
  void aCrashIsReportedByOnExitAfterTheExitWithItsCode() throws Exception {
    Path marker = logDir.resolve("exited-at");
    ManagedProcess p =
        start(
            "crasher",
            "bash",
            "-c",
            "sleep 0.2; echo $EPOCHREALTIME > \"$1\"; exit 3",
            "bash",
            marker.toString());
    AtomicReference<Instant> seen = new AtomicReference<>();
    AtomicBoolean markerThere = new AtomicBoolean();
    CompletableFuture<ExitStatus> exit =
        p.onExit()
            .whenComplete(
                (s, e) -> {
                  markerThere.set(Files.exists(marker));
                  seen.set(Instant.now());
                });

    assertEquals(ExitStatus.exited(3), exit.get(5, TimeUnit.SECONDS));
    assertTrue(markerThere.get(), "onExit completed before the process wrote its last output");
    assertFalse(p.isAlive());
    BigDecimal micros = new BigDecimal(Files.readString(marker).trim()).movePointRight(6);
    Instant markerWritten =
        Instant.EPOCH.plus(micros.longValueExact(), java.time.temporal.ChronoUnit.MICROS);
    Duration latency = Duration.between(markerWritten, seen.get());
    assertFalse(latency.isNegative(), "onExit completed " + latency + " before the exit");
    System.out.printf(
        "crash: onExit completed %d us after the exit marker%n", latency.toNanos() / 1000);
  }

  /**
   * The log file of a quiet process is read less and less often (no busy polling), yet a reader
   * never misses what was written before it asked: a line written before the marker is there as
   * soon as the marker is.
   */
  @Test
  void aQuietProcessLogIsReadOnDemandWhenTailingHasBackedOff() throws Exception {
    Path marker = logDir.resolve("second-written");
    ManagedProcess p =
        start(
            "quiet",
            "bash",
            "-c",
            "echo first; sleep 2.5; echo second; touch \"$1\"; exec sleep 1000",
            "bash",
            marker.toString());
    awaitLine(p, "first");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(marker));
    assertTrue(p.logs().lastLines(10).contains("second"), p.logs().lastLines(10).toString());
  }

  /** With a 10 s poll interval only the final drain can put these lines into the buffer. */
  @Test
  void theLastLinesAreInTheLogsWhenOnExitCompletes() throws Exception {
    ManagedProcess p =
        start(
            "dying",
            settings.toBuilder().pollInterval(Duration.ofSeconds(10)).build(),
            "bash",
            "-c",
            "for i in 1 2 3 4 5; do echo \"line $i\"; done; echo 'fatal: cannot load model' >&2;"
                + " exit 1");
    List<String> atExit = p.onExit().thenApply(s -> p.logs().lastLines(3)).get(5, TimeUnit.SECONDS);
    assertEquals(List.of("line 4", "line 5", "fatal: cannot load model"), atExit);
    assertEquals(ExitStatus.exited(1), p.onExit().get());
    assertEquals(
        ExitStatus.exited(1),
        p.stop(Duration.ofSeconds(1)).get(3, TimeUnit.SECONDS),
        "stop after the exit only reports it");
  }

  @Test
  void stoppingASigtermIgnoringChildKillsItsWholeGroupWithinGracePlus2s() throws Exception {
    ManagedProcess p =
        start("stubborn", "bash", "-c", "trap '' TERM; sleep 1000 & echo ready; wait");
    awaitLine(p, "ready");
    await().atMost(Duration.ofSeconds(2)).until(() -> runningGroup(p.pid()).size() == 2);

    long t0 = System.nanoTime();
    CompletableFuture<ExitStatus> stop = p.stop(Duration.ofSeconds(1));
    assertSame(stop, p.stop(Duration.ofSeconds(30)), "stop is idempotent");
    ExitStatus status = stop.get(10, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertEquals(ExitStatus.killed(9), status);
    assertTrue(took.toMillis() >= 900, "SIGTERM was ignored, so the grace must be used: " + took);
    assertTrue(took.toMillis() < 3000, "took " + took);
    assertEquals(List.of(), runningGroup(p.pid()));
  }

  @Test
  void killEndsAStopsGracePeriodEarly() throws Exception {
    ManagedProcess p = start("stubborn2", "bash", "-c", "trap '' TERM; echo ready; sleep 1000");
    awaitLine(p, "ready");
    CompletableFuture<ExitStatus> stop = p.stop(Duration.ofSeconds(60));
    assertSame(stop, p.kill());
    // SIGKILL, not the end of the 60 s grace: the stop completes long before the grace is over
    assertEquals(ExitStatus.killed(9), stop.get(30, TimeUnit.SECONDS));
    assertEquals(List.of(), runningGroup(p.pid()));
  }

  /** A grandchild in the background keeps the output file open; it must die with the leader. */
  @Test
  void aForkingWrapperIsStoppedWithItsGrandchild() throws Exception {
    ManagedProcess p =
        start("wrapper", "bash", "-c", "sleep 1000 & echo \"grandchild=$!\"; exec sleep 1000");
    long grandchild = pidFromLine(p, "grandchild=");
    long grandchildStart = PROC.stat(grandchild).orElseThrow().startTicks();

    long t0 = System.nanoTime();
    ExitStatus status = p.stop(Duration.ofSeconds(1)).get(15, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertEquals(ExitStatus.killed(15), status);
    assertTrue(took.toMillis() < 11_000, "took " + took);
    assertFalse(PROC.isRunning(grandchild, grandchildStart), "grandchild " + grandchild + " alive");
    assertEquals(List.of(), runningGroup(p.pid()));
  }

  /**
   * The grandchild calls setsid itself (so it leaves the group) and ignores SIGTERM: only the
   * descendant snapshot taken before signalling can find it, and SIGKILL at the deadline ends it.
   */
  @Test
  void aGrandchildThatLeftTheGroupAndIgnoresSigtermIsKilledAtTheDeadline() throws Exception {
    ManagedProcess p =
        start(
            "escaper",
            "bash",
            "-c",
            "setsid bash -c 'trap \"\" TERM; echo grandchild=$$; exec sleep 1000' &"
                + " exec sleep 1000");
    long grandchild = pidFromLine(p, "grandchild=");
    ProcFs.Stat gc = PROC.stat(grandchild).orElseThrow();
    assertEquals(grandchild, gc.session(), "the grandchild runs in its own session");
    assertNotEquals(p.pid(), gc.pgrp());

    long t0 = System.nanoTime();
    ExitStatus status = p.stop(Duration.ofSeconds(1)).get(15, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertEquals(ExitStatus.killed(15), status, "the leader itself obeys SIGTERM");
    assertTrue(took.toMillis() >= 900, "the grandchild ignored SIGTERM: " + took);
    assertTrue(took.toMillis() < 11_000, "took " + took);
    assertFalse(PROC.isRunning(grandchild, gc.startTicks()), "grandchild " + grandchild + " alive");
  }

  @Test
  void groupMembersLeftBehindByANaturalExitAreStopped() throws Exception {
    ManagedProcess p =
        start("leaver", "bash", "-c", "sleep 1000 & echo \"grandchild=$!\"; sleep 0.3; exit 7");
    long grandchild = pidFromLine(p, "grandchild=");
    assertEquals(ExitStatus.exited(7), p.onExit().get(5, TimeUnit.SECONDS));
    await().atMost(Duration.ofSeconds(3)).until(() -> !PROC.isRunning(grandchild));
    assertEquals(ExitStatus.exited(7), p.stop(Duration.ofSeconds(1)).get(3, TimeUnit.SECONDS));
  }

  /**
   * 50 MB written to stderr as fast as possible: the child never waits for us (it writes to a
   * file), the in-memory buffer stays within its bounds and the file is kept under its limit.
   */
  @Test
  void aStderrFloodNeitherBlocksTheChildNorGrowsMemoryOrTheFile() throws Exception {
    long maxFile = 4L * 1024 * 1024;
    LogSettings log = settings.toBuilder().buffer(200, 64 * 1024).maxFileBytes(maxFile).build();
    String line = "flood 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
    long t0 = System.nanoTime();
    ManagedProcess p =
        start(
            "flood",
            log,
            "bash",
            "-c",
            // the pause keeps "done" clear of a truncation (bytes appended in the very instant
            // between the tailer's last read and its truncate are lost, by design)
            "yes '" + line + "' | head -c 50000000 >&2; echo; sleep 0.2; echo done >&2");
    ExitStatus status = p.onExit().get(30, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertEquals(ExitStatus.exited(0), status);
    assertTrue(took.toMillis() < 10_000, "the child was slowed down: " + took);
    assertEquals(List.of("done"), p.logs().lastLines(1));
    assertTrue(p.logs().lastLines(1000).size() <= 200);
    assertTrue(p.logs().retainedBytes() <= 64 * 1024, "retained " + p.logs().retainedBytes());
    assertTrue(p.logs().truncations() >= 1, "never truncated");
    assertTrue(Files.size(p.logs().file()) <= maxFile, "file " + Files.size(p.logs().file()));
    // At full speed some output is lost around truncations; never more is reported than written.
    long seen = p.logs().bytesRead() + p.logs().bytesSkipped();
    assertTrue(seen <= 50_000_006L, "seen " + seen);
    System.out.printf(
        "flood: child done in %d ms, read %d, skipped %d, truncations %d, retained %d bytes%n",
        took.toMillis(),
        p.logs().bytesRead(),
        p.logs().bytesSkipped(),
        p.logs().truncations(),
        p.logs().retainedBytes());
  }

  /**
   * 50 MB in 2 MB lines, in bursts over a second or two: the file is truncated again and again and
   * never grows far beyond its limit, and every huge line is cut.
   */
  @Test
  void aSustainedFloodKeepsTheFileNearItsLimit() throws Exception {
    long maxFile = 4L * 1024 * 1024;
    LogSettings log = settings.toBuilder().buffer(100, 16 * 1024).maxFileBytes(maxFile).build();
    ManagedProcess p =
        start(
            "burst",
            log,
            "bash",
            "-c",
            "for i in $(seq 25); do head -c 2000000 /dev/zero | tr '\\0' x >&2; echo >&2;"
                + " sleep 0.03; done; echo done");
    long[] largest = {0};
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              largest[0] = Math.max(largest[0], Files.size(p.logs().file()));
              return !p.isAlive();
            });
    assertEquals(ExitStatus.exited(0), p.onExit().get(5, TimeUnit.SECONDS));
    assertTrue(largest[0] < 4 * maxFile, "file grew to " + largest[0]);
    assertTrue(Files.size(p.logs().file()) <= maxFile);
    assertTrue(p.logs().truncations() >= 3, "truncations: " + p.logs().truncations());
    List<String> lines = p.logs().lastLines(3);
    assertEquals("done", lines.get(2));
    assertTrue(
        lines.contains("x".repeat(log.maxLineBytes()) + LogTailer.CUT_MARKER), lines.toString());
    assertTrue(p.logs().retainedBytes() <= 16 * 1024);
    long seen = p.logs().bytesRead() + p.logs().bytesSkipped();
    assertTrue(seen <= 50_000_030L && seen >= 40_000_000L, "seen " + seen);
    System.out.printf(
        "bursts: largest file %d, truncations %d, read %d, skipped %d%n",
        largest[0], p.logs().truncations(), p.logs().bytesRead(), p.logs().bytesSkipped());
  }

  @Test
  void identityMatchesTheLiveChildOnly() throws Exception {
    ManagedProcess p = start("ident", "sleep", "1000");
    ProcessIdentity id = p.identity();
    await().atMost(Duration.ofSeconds(2)).until(() -> ProcessIdentity.isSameLiveProcess(id));
    assertEquals(Optional.of(id), ProcessIdentity.capture(p.pid()));

    long self = ProcessHandle.current().pid();
    assertFalse(
        ProcessIdentity.isSameLiveProcess(
            new ProcessIdentity(self, id.startTicks(), id.argvHash())));
    assertFalse(
        ProcessIdentity.isSameLiveProcess(
            new ProcessIdentity(id.pid(), id.startTicks() + 1, id.argvHash())));
    assertFalse(
        ProcessIdentity.isSameLiveProcess(
            new ProcessIdentity(
                id.pid(), id.startTicks(), ProcessIdentity.argvHash(List.of("sleep", "1001")))));

    p.stop(Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS);
    assertFalse(ProcessIdentity.isSameLiveProcess(id));
  }

  /**
   * A supervisor restart: the old launcher goes away, the child keeps running, a new one adopts it.
   */
  @Test
  void attachTakesOverALiveProcessAndStopsItThroughItsGroup() throws Exception {
    ManagedProcess original =
        start(
            "adoptee",
            "bash",
            "-c",
            "trap 'echo bye; exit 0' TERM; echo hello; while true; do echo tick; sleep 0.1; done");
    awaitLine(original, "hello");
    ProcessIdentity identity = original.identity();
    Path logFile = original.logs().file();
    launcher.close();
    assertTrue(ProcessIdentity.isSameLiveProcess(identity), "the child outlives its launcher");

    launcher = new DefaultProcessLauncher(Clock.systemUTC());
    ManagedProcess adopted = launcher.attach("adoptee", identity, logFile, settings);
    started.add(adopted);
    assertTrue(adopted.adopted());
    assertEquals(identity.pid(), adopted.pid());
    assertEquals("bash", adopted.argv().get(0));
    assertTrue(adopted.logs().lastLines(1000).contains("hello"), "tail starts before the end");
    int before = adopted.logs().lastLines(1000).size();
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> adopted.logs().lastLines(1000).size() > before + 2);

    ExitStatus status = adopted.stop(Duration.ofSeconds(2)).get(6, TimeUnit.SECONDS);
    assertEquals(ExitStatus.unknown(), status);
    assertEquals(List.of(), runningGroup(identity.pid()));
    assertTrue(adopted.logs().lastLines(5).contains("bye"), adopted.logs().lastLines(5).toString());
    assertThrows(
        ProcessLaunchException.class,
        () -> launcher.attach("adoptee", identity, logFile, settings));
  }

  @Test
  void aMissingProgramFailsAtStart() {
    ProcessLaunchException e =
        assertThrows(ProcessLaunchException.class, () -> start("ghost", "no-such-program-4711"));
    assertTrue(e.getMessage().contains("no-such-program-4711"), e.getMessage());
  }

  @Test
  void environmentAndWorkingDirectoryReachTheChild() throws Exception {
    Path work = Files.createDirectories(logDir.resolve("work"));
    ManagedProcess p =
        launcher.start(
            LaunchSpec.of("env", List.of("bash", "-c", "echo \"$GREETING from $PWD\""), settings)
                .withEnv(java.util.Map.of("GREETING", "hello"))
                .withWorkingDirectory(work));
    started.add(p);
    p.onExit().get(5, TimeUnit.SECONDS);
    assertEquals(List.of("hello from " + work.toRealPath()), p.logs().lastLines(1));
    assertTrue(Files.readString(p.logs().file()).contains("hello from"));
  }
}
