package io.llamasupervisor.bench;

import static io.llamasupervisor.bench.Tables.draining;
import static io.llamasupervisor.bench.Tables.ready;
import static io.llamasupervisor.bench.Tables.starting;
import static io.llamasupervisor.bench.Tables.table;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.testing.MutableClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SwapDriverTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final GenerationTimeline shared = new GenerationTimeline(Tables.MODEL);
  private final RouteFollower control = new RouteFollower(Tables.MODEL, clock, shared);
  private final FakeTrigger trigger = new FakeTrigger();

  @Test
  void measuresFromAcceptanceToNewReadyAndToOldGone() throws Exception {
    control.accept(table(2, ready(1)));
    SwapDriver driver = driver(Duration.ofSeconds(30));
    AtomicReference<SwapResult> result = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.set(driver.swap(1));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    t.start();
    await().until(() -> trigger.calls.get() == 1 && t.getState() == Thread.State.TIMED_WAITING);

    clock.advance(Duration.ofMillis(300));
    control.accept(table(3, ready(1), starting(2)));
    clock.advance(Duration.ofMillis(500));
    control.accept(table(4, draining(1), ready(2)));
    clock.advance(Duration.ofMillis(2600));
    control.accept(table(5, ready(2)));
    t.join(10_000);

    SwapResult r = result.get();
    assertTrue(r.completed(), r.error());
    assertEquals(List.of(1L), r.fromGenerations());
    assertEquals(2, r.toGeneration());
    assertEquals(Duration.ofMillis(800), r.toReady());
    assertEquals(Duration.ofMillis(3400), r.toOldGone());
    assertEquals(List.of(Tables.MODEL), trigger.models);
  }

  @Test
  void aRefusedRestartIsAFailedSwapWithTheAnswer() throws InterruptedException {
    control.accept(table(2, ready(1)));
    trigger.answer = new RestartTrigger.Answer(404, "{\"error\":\"model not found\"}");

    SwapResult r = driver(Duration.ofSeconds(30)).swap(1);

    assertFalse(r.completed());
    assertTrue(r.error().contains("404") && r.error().contains("model not found"), r.error());
    assertEquals(-1, r.toGeneration());
    assertNull(r.toReady());
  }

  @Test
  void anUnreachableRegistryIsAFailedSwap() throws InterruptedException {
    control.accept(table(2, ready(1)));
    trigger.failure = new IOException("Connection refused");

    SwapResult r = driver(Duration.ofSeconds(30)).swap(1);

    assertTrue(r.error().contains("Connection refused"), r.error());
  }

  @Test
  void aSwapThatNeverRemovesTheOldGenerationTimesOutSayingWhereItStands()
      throws InterruptedException {
    control.accept(table(2, ready(1)));
    trigger.onCall = () -> control.accept(table(3, draining(1), ready(2)));

    SwapResult r = driver(Duration.ofMillis(50)).swap(1);

    assertFalse(r.completed());
    assertEquals(2, r.toGeneration());
    assertTrue(r.error().contains("1=DRAINING 2=READY"), r.error());
  }

  private SwapDriver driver(Duration timeout) {
    return new SwapDriver(Tables.MODEL, control, shared, trigger, clock, timeout);
  }

  private static final class FakeTrigger implements RestartTrigger {
    final AtomicInteger calls = new AtomicInteger();
    final List<String> models = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile Answer answer = new Answer(202, "{}");
    volatile IOException failure;
    volatile Runnable onCall = () -> {};

    @Override
    public Answer restart(String model) throws IOException {
      models.add(model);
      calls.incrementAndGet();
      onCall.run();
      if (failure != null) {
        throw failure;
      }
      return answer;
    }
  }
}
