package io.llamasupervisor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualSchedulerTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final Instant t0 = clock.instant();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<String> ran = new ArrayList<>();

  private Runnable record(String name) {
    return () -> ran.add(name + "@" + Duration.between(t0, clock.instant()).toMillis());
  }

  @Test
  void runsDueTasksInTimeThenSubmissionOrderWithTheClockAtTheirDueTime() {
    scheduler.schedule(record("b"), 20, TimeUnit.MILLISECONDS);
    scheduler.schedule(record("a"), 10, TimeUnit.MILLISECONDS);
    scheduler.schedule(record("c"), 20, TimeUnit.MILLISECONDS);
    scheduler.schedule(record("late"), 31, TimeUnit.MILLISECONDS);

    scheduler.advance(Duration.ofMillis(30));

    assertEquals(List.of("a@10", "b@20", "c@20"), ran);
    assertEquals(t0.plusMillis(30), clock.instant());
    assertEquals(List.of(Duration.ofMillis(1)), scheduler.pendingDelays());
  }

  @Test
  void tasksScheduledWhileAdvancingRunInTheSameCallWhenDue() {
    scheduler.schedule(
        () -> scheduler.schedule(record("child"), 5, TimeUnit.MILLISECONDS),
        10,
        TimeUnit.MILLISECONDS);
    scheduler.advance(Duration.ofMillis(15));
    assertEquals(List.of("child@15"), ran);
  }

  @Test
  void cancelledTasksLeaveTheQueueAndNeverRun() {
    ScheduledFuture<?> f = scheduler.schedule(record("x"), 10, TimeUnit.MILLISECONDS);
    assertEquals(1, scheduler.pending());
    assertTrue(f.cancel(false));
    assertEquals(0, scheduler.pending());
    scheduler.advance(Duration.ofSeconds(1));
    assertTrue(ran.isEmpty());
  }

  @Test
  void periodicTasksRepeatUntilCancelled() {
    ScheduledFuture<?> f =
        scheduler.scheduleAtFixedRate(record("tick"), 10, 10, TimeUnit.MILLISECONDS);
    scheduler.advance(Duration.ofMillis(35));
    f.cancel(false);
    scheduler.advance(Duration.ofMillis(100));
    assertEquals(List.of("tick@10", "tick@20", "tick@30"), ran);
  }

  @Test
  void zeroDelayAndExecuteRunOnRunDue() {
    scheduler.execute(record("now"));
    assertTrue(ran.isEmpty());
    scheduler.runDue();
    assertEquals(List.of("now@0"), ran);
  }

  @Test
  void shutdownRejectsNewTasks() {
    scheduler.schedule(record("x"), 1, TimeUnit.SECONDS);
    assertEquals(1, scheduler.shutdownNow().size());
    assertTrue(scheduler.isTerminated());
    assertThrows(
        RejectedExecutionException.class,
        () -> scheduler.schedule(record("y"), 1, TimeUnit.SECONDS));
  }
}
