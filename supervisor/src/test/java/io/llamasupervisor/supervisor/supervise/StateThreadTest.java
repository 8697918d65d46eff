package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llamasupervisor.testing.ManualScheduler;
import io.llamasupervisor.testing.MutableClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Work on the state thread survives its own failures. */
class StateThreadTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final StateThread thread = new StateThread(scheduler);

  @Test
  void aTimerWhoseTickFailsKeepsTicking() {
    AtomicInteger ticks = new AtomicInteger();
    thread.every(
        "test timer",
        () -> {
          if (ticks.incrementAndGet() == 1) {
            throw new IllegalStateException("first tick fails");
          }
        },
        Duration.ofSeconds(5));
    scheduler.advance(Duration.ofSeconds(5));
    assertEquals(1, ticks.get());
    scheduler.advance(Duration.ofSeconds(5));
    assertEquals(2, ticks.get(), "the tick after the failing one ran");
    scheduler.advance(Duration.ofSeconds(5));
    assertEquals(3, ticks.get());
  }

  @Test
  void aFailingOneShotTaskDoesNotStopLaterTasks() {
    AtomicInteger ran = new AtomicInteger();
    thread.schedule(
        "failing",
        () -> {
          throw new IllegalStateException("boom");
        },
        Duration.ofSeconds(1));
    thread.schedule("next", ran::incrementAndGet, Duration.ofSeconds(2));
    thread.post(ran::incrementAndGet);
    scheduler.advance(Duration.ofSeconds(2));
    assertEquals(2, ran.get());
  }

  @Test
  void afterShutdownNothingIsScheduled() {
    thread.shutdown();
    thread.schedule("late", () -> {}, Duration.ofSeconds(1));
    thread.every("late", () -> {}, Duration.ofSeconds(1));
    thread.post(() -> {});
    assertEquals(0, scheduler.pending());
  }
}
