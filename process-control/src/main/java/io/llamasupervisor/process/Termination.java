package io.llamasupervisor.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes down one managed process tree: SIGTERM to the leader's process group (and to every
 * snapshotted descendant that left the group), then, at the end of the grace period, SIGKILL to the
 * group, the leader and every surviving descendant. Descendants are snapshotted before the first
 * signal (orphans are re-parented and leave the tree) and again before the SIGKILL.
 *
 * <p>{@link #finished()} completes once the leader, the group and the snapshotted descendants are
 * all gone, or {@code killWait} (normally {@link #KILL_WAIT}) after the SIGKILL at the latest:
 * normally if only descendants survived (they are logged), exceptionally if the leader itself
 * survived.
 *
 * <p>Phases move only forward: {@code NEW -> GRACE -> KILLING -> DONE}. All work runs on the
 * scheduler; methods are synchronized.
 */
final class Termination {

  /** How long to wait for the tree to vanish after SIGKILL before giving up. */
  static final Duration KILL_WAIT = Duration.ofMillis(1500);

  private static final Logger LOG = LoggerFactory.getLogger(Termination.class);
  private static final long CHECK_INTERVAL_MS = 50;

  private enum Phase {
    NEW,
    GRACE,
    KILLING,
    DONE
  }

  /** A descendant as first seen: its handle and what identifies it across pid reuse. */
  private record Member(ProcessHandle handle, long startTicks, long pgrp) {}

  private final String id;
  private final Leader leader;
  private final long pgid;
  private final ProcFs proc;
  private final GroupSignal signaller;
  private final ScheduledExecutorService scheduler;
  private final Duration killWait;
  private final Map<Long, Member> tree = new LinkedHashMap<>();
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final List<ScheduledFuture<?>> timers = new ArrayList<>();
  private Phase phase = Phase.NEW;
  private boolean killRequested;
  private boolean groupReleased;

  /**
   * @param pgid the leader's own process group, or {@code -1} when it has none or it may already
   *     have been released (then only the leader and its descendants are signalled)
   */
  Termination(
      String id,
      Leader leader,
      long pgid,
      ProcFs proc,
      GroupSignal signaller,
      ScheduledExecutorService scheduler,
      Duration killWait) {
    this.id = id;
    this.leader = leader;
    this.pgid = pgid;
    this.proc = proc;
    this.signaller = signaller;
    this.scheduler = scheduler;
    this.killWait = killWait;
  }

  CompletableFuture<Void> finished() {
    return finished;
  }

  /** Starts the graceful phase; a zero grace goes straight to SIGKILL. Call once. */
  void begin(Duration grace) {
    scheduler.execute(() -> sendTerm(grace));
  }

  /**
   * Ends the grace period now (used by an emergency kill during a stop). A request that runs before
   * the graceful phase has begun is kept: the phase then starts with SIGKILL and no grace.
   */
  synchronized void escalateNow() {
    killRequested = true;
    scheduler.execute(this::escalate);
  }

  private synchronized void sendTerm(Duration requestedGrace) {
    if (phase != Phase.NEW) {
      return;
    }
    Duration grace = killRequested ? Duration.ZERO : requestedGrace;
    phase = Phase.GRACE;
    snapshotTree();
    if (grace.isZero()) {
      LOG.info(
          "[{}] killing pid {} (group {}, {} descendants)", id, leader.pid(), pgid, tree.size());
    } else {
      LOG.info(
          "[{}] stopping pid {} (group {}, {} descendants), grace {}",
          id,
          leader.pid(),
          pgid,
          tree.size(),
          grace);
      if (groupMayExist()) {
        signaller.signalGroup(pgid, "TERM");
      } else {
        leader.handle().destroy();
      }
      for (Member m : tree.values()) {
        if (m.pgrp() != pgid && isRunning(m)) {
          m.handle().destroy();
        }
      }
    }
    timers.add(
        scheduler.scheduleWithFixedDelay(
            this::check, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS));
    timers.add(scheduler.schedule(this::escalate, grace.toNanos(), TimeUnit.NANOSECONDS));
  }

  private synchronized void escalate() {
    if (phase != Phase.GRACE) {
      return;
    }
    phase = Phase.KILLING;
    snapshotTree();
    if (groupMayExist()) {
      signaller.signalGroup(pgid, "KILL");
    }
    leader.handle().destroyForcibly();
    int survivors = 0;
    for (Member m : tree.values()) {
      if (isRunning(m)) {
        m.handle().destroyForcibly();
        survivors++;
      }
    }
    LOG.info("[{}] sent SIGKILL to group {} and {} descendants", id, pgid, survivors);
    timers.add(scheduler.schedule(this::giveUp, killWait.toNanos(), TimeUnit.NANOSECONDS));
  }

  private synchronized void check() {
    if (phase == Phase.DONE || phase == Phase.NEW || !survivors().isEmpty()) {
      return;
    }
    finish(null);
  }

  private synchronized void giveUp() {
    if (phase == Phase.DONE) {
      return;
    }
    List<Long> left = survivors();
    if (left.isEmpty()) {
      finish(null);
    } else if (leader.isAlive()) {
      finish(
          new ProcessStopException(
              "[" + id + "] pid " + leader.pid() + " survived SIGKILL; still running: " + left));
    } else {
      LOG.warn("[{}] processes survived SIGKILL and are left behind: {}", id, left);
      finish(null);
    }
  }

  /** Pids of everything still running: the leader, group members, snapshotted descendants. */
  private List<Long> survivors() {
    List<Long> left = new ArrayList<>();
    if (leader.isAlive()) {
      left.add(leader.pid());
    }
    if (groupMayExist()) {
      for (ProcFs.Stat s : proc.runningGroupMembers(pgid)) {
        if (!left.contains(s.pid())) {
          left.add(s.pid());
        }
      }
    }
    for (Member m : tree.values()) {
      if (!left.contains(m.handle().pid()) && isRunning(m)) {
        left.add(m.handle().pid());
      }
    }
    return left;
  }

  /**
   * Whether {@code pgid} still names our group. Once the leader is gone and no member runs, the
   * number is free for reuse by an unrelated session, so it is never signalled again.
   */
  private boolean groupMayExist() {
    if (pgid <= 0 || groupReleased) {
      return false;
    }
    if (!leader.isAlive() && proc.runningGroupMembers(pgid).isEmpty()) {
      groupReleased = true;
      return false;
    }
    return true;
  }

  private void snapshotTree() {
    if (!leader.isAlive()) {
      return;
    }
    leader
        .handle()
        .descendants()
        .forEach(
            h ->
                proc.stat(h.pid())
                    .filter(s -> !s.isDead())
                    .ifPresent(
                        s -> tree.putIfAbsent(h.pid(), new Member(h, s.startTicks(), s.pgrp()))));
  }

  private boolean isRunning(Member m) {
    return proc.isRunning(m.handle().pid(), m.startTicks());
  }

  private void finish(Throwable failure) {
    phase = Phase.DONE;
    timers.forEach(t -> t.cancel(false));
    if (failure == null) {
      finished.complete(null);
    } else {
      finished.completeExceptionally(failure);
    }
  }
}
