package io.llamasupervisor.process;

import static io.llamasupervisor.process.ProcFsTest.fakeProcess;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stop sequence against a fake /proc, a recording signaller and fake process handles. */
class TerminationTest {

  private static final long LEADER = 500;
  private static final Duration LONG = Duration.ofSeconds(30);

  @TempDir Path proc;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final List<String> signals = Collections.synchronizedList(new ArrayList<>());

  /** Records group signals; a group "dies" of the signals named in {@code fatal}. */
  private GroupSignal recording(String... fatal) {
    return (pgid, signal) -> {
      signals.add(signal + " -" + pgid);
      if (List.of(fatal).contains(signal)) {
        removeGroup(pgid);
      }
      return true;
    };
  }

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
  }

  /** A process in the fake /proc with a handle that records what is done to it. */
  private final class FakeHandle implements ProcessHandle {
    final long pid;
    final List<FakeHandle> children = new ArrayList<>();
    final List<String> received = Collections.synchronizedList(new ArrayList<>());
    volatile boolean ignoresTerm;
    volatile boolean ignoresKill;

    FakeHandle(long pid, long pgrp) throws IOException {
      this.pid = pid;
      fakeProcess(proc, pid, "p" + pid, 'S', pgrp, 1000 + pid, "p" + pid);
    }

    void exit() {
      delete(pid);
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public boolean isAlive() {
      return Files.exists(proc.resolve(Long.toString(pid)));
    }

    @Override
    public Stream<ProcessHandle> descendants() {
      return children.stream().map(ProcessHandle.class::cast);
    }

    @Override
    public Stream<ProcessHandle> children() {
      return descendants();
    }

    @Override
    public boolean destroy() {
      received.add("TERM");
      if (!ignoresTerm) {
        exit();
      }
      return true;
    }

    @Override
    public boolean destroyForcibly() {
      received.add("KILL");
      if (!ignoresKill) {
        exit();
      }
      return true;
    }

    @Override
    public Optional<ProcessHandle> parent() {
      return Optional.empty();
    }

    @Override
    public Info info() {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<ProcessHandle> onExit() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean supportsNormalTermination() {
      return true;
    }

    @Override
    public int compareTo(ProcessHandle other) {
      return Long.compare(pid, other.pid());
    }
  }

  private Leader leaderOf(FakeHandle h) {
    return new Leader() {
      @Override
      public long pid() {
        return h.pid;
      }

      @Override
      public ProcessHandle handle() {
        return h;
      }

      @Override
      public boolean isAlive() {
        return h.isAlive();
      }

      @Override
      public CompletableFuture<ExitStatus> exit() {
        return new CompletableFuture<>();
      }
    };
  }

  private void delete(long pid) {
    try (Stream<Path> files = Files.list(proc.resolve(Long.toString(pid)))) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
      Files.delete(proc.resolve(Long.toString(pid)));
    } catch (IOException e) {
      // already gone
    }
  }

  private void removeGroup(long pgid) {
    new ProcFs(proc).runningGroupMembers(pgid).forEach(s -> delete(s.pid()));
  }

  private Termination termination(FakeHandle leader, long pgid, GroupSignal signal, Duration wait) {
    return new Termination("m", leaderOf(leader), pgid, new ProcFs(proc), signal, scheduler, wait);
  }

  @Test
  void aGroupThatObeysSigtermIsNeverKilled() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    new FakeHandle(501, LEADER);
    Termination t = termination(leader, LEADER, recording("TERM"), LONG);
    t.begin(LONG);
    t.finished().get(5, TimeUnit.SECONDS);
    assertEquals(List.of("TERM -500"), signals);
    assertEquals(List.of(), leader.received);
  }

  @Test
  void survivorsOfTheGraceAreKilledAtTheDeadline() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    Termination t = termination(leader, LEADER, recording("KILL"), LONG);
    long t0 = System.nanoTime();
    t.begin(Duration.ofMillis(200));
    t.finished().get(5, TimeUnit.SECONDS);
    assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(200));
    assertEquals(List.of("TERM -500", "KILL -500"), signals);
  }

  @Test
  void aDescendantOutsideTheGroupGetsTermAndThenKill() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    FakeHandle escaped = new FakeHandle(600, 600); // called setsid itself
    escaped.ignoresTerm = true;
    leader.children.add(escaped);
    Termination t = termination(leader, LEADER, recording("TERM", "KILL"), LONG);
    t.begin(Duration.ofMillis(200));
    t.finished().get(5, TimeUnit.SECONDS);
    assertEquals(List.of("TERM", "KILL"), escaped.received);
    assertFalse(escaped.isAlive());
  }

  @Test
  void killGoesStraightToSigkill() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    Termination t = termination(leader, LEADER, recording("KILL"), LONG);
    t.begin(Duration.ZERO);
    t.finished().get(5, TimeUnit.SECONDS);
    assertEquals(List.of("KILL -500"), signals);
  }

  @Test
  void escalateNowEndsTheGrace() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    Termination t = termination(leader, LEADER, recording("KILL"), LONG);
    t.begin(LONG);
    await().atMost(Duration.ofSeconds(2)).until(() -> signals.contains("TERM -500"));
    t.escalateNow();
    t.finished().get(5, TimeUnit.SECONDS);
    assertEquals(List.of("TERM -500", "KILL -500"), signals);
  }

  /**
   * Regression: with two scheduler threads the escalation could run before the graceful phase had
   * begun; it was dropped and the stop then waited out its whole grace (CI saw a 60 s grace).
   */
  @Test
  void aKillThatOvertakesTheStartOfTheGraceIsNotLost() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    HoldingScheduler held = new HoldingScheduler();
    try {
      Termination t =
          new Termination(
              "m", leaderOf(leader), LEADER, new ProcFs(proc), recording("KILL"), held, LONG);
      t.begin(LONG);
      t.escalateNow();
      held.releaseInReverseOrder();
      t.finished().get(5, TimeUnit.SECONDS);
      assertEquals(List.of("KILL -500"), signals);
    } finally {
      held.shutdownNow();
    }
  }

  /** Holds tasks given to {@code execute} until released, so a test can choose their order. */
  private static final class HoldingScheduler extends ScheduledThreadPoolExecutor {
    private final List<Runnable> held = new ArrayList<>();
    private boolean holding = true;

    HoldingScheduler() {
      super(1);
    }

    @Override
    public synchronized void execute(Runnable task) {
      if (holding) {
        held.add(task);
      } else {
        super.execute(task);
      }
    }

    synchronized void releaseInReverseOrder() {
      holding = false;
      for (int i = held.size() - 1; i >= 0; i--) {
        super.execute(held.get(i));
      }
    }
  }

  @Test
  void aLeaderThatSurvivesSigkillFailsTheStopAfterTheKillWait() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    leader.ignoresKill = true;
    Termination t = termination(leader, LEADER, recording(), Duration.ofMillis(100));
    t.begin(Duration.ZERO);
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> t.finished().get(5, TimeUnit.SECONDS));
    assertInstanceOf(ProcessStopException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("500"), e.getCause().getMessage());
  }

  /** After the leader is gone and its group empty, the group id may belong to someone else. */
  @Test
  void aReleasedGroupIdIsNeverSignalled() throws Exception {
    FakeHandle leader = new FakeHandle(LEADER, LEADER);
    leader.exit();
    Termination t = termination(leader, LEADER, recording(), LONG);
    t.begin(Duration.ofMillis(100));
    t.finished().get(5, TimeUnit.SECONDS);
    assertEquals(List.of(), signals);
  }
}
