package io.llamasupervisor.gateway;

import static io.llamasupervisor.gateway.Tables.draining;
import static io.llamasupervisor.gateway.Tables.model;
import static io.llamasupervisor.gateway.Tables.ready;
import static io.llamasupervisor.gateway.Tables.table;
import static io.llamasupervisor.gateway.Tables.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.DelayScheduler;
import io.llamasupervisor.testing.ManualScheduler;
import io.llamasupervisor.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final ManualScheduler time = new ManualScheduler(clock);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<String> starts = new ArrayList<>();
  private List<ModelInfo> directory = List.of();
  private ModelStarter starter =
      id -> {
        synchronized (starts) {
          starts.add(id);
        }
      };

  private Dispatcher dispatcher(GatewayOptions options) {
    return new Dispatcher(
        options,
        () -> directory,
        id -> starter.requestStart(id),
        clock,
        DelayScheduler.on(time),
        new Random(42),
        new GatewayMetrics(meters));
  }

  private Dispatcher dispatcher() {
    return dispatcher(GatewayOptions.builder().queue(3, Duration.ofSeconds(60)).build());
  }

  private static RecordingWaiter acquire(Dispatcher d, String id) {
    RecordingWaiter w = new RecordingWaiter();
    d.acquire(id, 0, w);
    return w;
  }

  @Test
  void resolvesIdAndAliasAndRefusesUnknownNamesWithOpenAiShape() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("acme/a.gguf", "a", ready(1001, 1, 1)), model("b.gguf", "b")));

    assertEquals("acme/a.gguf", d.resolve("a").model().id());
    assertEquals("acme/a.gguf", d.resolve("acme/a.gguf").model().id());
    GatewayError e = d.resolve("nope").error();
    assertEquals(404, e.status());
    assertEquals(
        "{\"error\":{\"message\":\"The model 'nope' does not exist\","
            + "\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}}",
        e.toJson());
    assertEquals(400, d.resolve(null).error().status());
  }

  @Test
  void noModelFieldWithExactlyOneModelMeansThatModel() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("only.gguf", "only", ready(1001, 1, 1))));
    assertEquals("only.gguf", d.resolve(null).model().id());
  }

  @Test
  void picksTheBackendWithFewestInFlightAndNeverExceedsSlots() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 2), ready(1002, 2, 2))));

    Lease a = acquire(d, "m").lease();
    Lease b = acquire(d, "m").lease();
    assertNotEquals(a.url(), b.url(), "second request goes to the idle backend");
    Lease c = acquire(d, "m").lease();
    Lease e = acquire(d, "m").lease();
    assertNotEquals(c.url(), e.url());
    RecordingWaiter fifth = acquire(d, "m");
    assertTrue(fifth.waiting(), "every slot is busy: the fifth request waits");
    assertEquals(2, d.traffic().inFlight(url(1001)));
    assertEquals(2, d.traffic().inFlight(url(1002)));
    assertEquals(1, d.traffic().queued("m"));

    b.release(Lease.Outcome.ANSWERED);
    assertEquals(b.url(), fifth.lease().url(), "the freed slot goes to the queued request");
    assertEquals(0, d.traffic().queued("m"));
  }

  @Test
  void tiesAreBrokenAtRandom() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1), ready(1002, 2, 1), ready(1003, 3, 1))));
    Set<String> firstChoices = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      Lease l = acquire(d, "m").lease();
      firstChoices.add(l.url());
      l.release(Lease.Outcome.ANSWERED);
    }
    assertEquals(3, firstChoices.size(), "every idle backend gets chosen first sometimes");
  }

  @Test
  void queueIsFifoAndFullQueueAnswers429WithRetryAfter() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1))));
    Lease busy = acquire(d, "m").lease();
    RecordingWaiter q1 = acquire(d, "m");
    RecordingWaiter q2 = acquire(d, "m");
    RecordingWaiter q3 = acquire(d, "m");
    GatewayError full = acquire(d, "m").error();
    assertEquals(429, full.status());
    assertEquals("queue_full", full.code());
    assertEquals("1", full.retryAfterSeconds());

    busy.release(Lease.Outcome.ANSWERED);
    assertTrue(q2.waiting() && q3.waiting());
    q1.lease().release(Lease.Outcome.ANSWERED);
    assertTrue(q3.waiting());
    q2.lease().release(Lease.Outcome.ANSWERED);
    q3.lease();
  }

  @Test
  void requestTimedOutInTheQueueGets503WithRetryAfter() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1))));
    acquire(d, "m").lease();
    RecordingWaiter queued = acquire(d, "m");
    time.advance(Duration.ofSeconds(59));
    assertTrue(queued.waiting());
    time.advance(Duration.ofSeconds(1));
    GatewayError e = queued.error();
    assertEquals(503, e.status());
    assertEquals("queue_timeout", e.code());
    assertEquals("1", e.retryAfterSeconds());
    assertEquals(0, d.traffic().queued("m"));
  }

  @Test
  void cancelledTicketLeavesTheQueueAtOnce() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1))));
    Lease busy = acquire(d, "m").lease();
    RecordingWaiter gone = new RecordingWaiter();
    Ticket t = d.acquire("m", 0, gone);
    RecordingWaiter next = acquire(d, "m");
    assertEquals(2, d.traffic().queued("m"));

    assertTrue(t.cancel());
    assertEquals(1, d.traffic().queued("m"));
    busy.release(Lease.Outcome.ANSWERED);
    next.lease();
    assertTrue(gone.waiting(), "a cancelled ticket hears nothing");
    assertFalse(t.cancel());
  }

  @Test
  void retryGoesToAnotherBackendAndFailsAt502WithoutOne() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1), ready(1002, 2, 1))));
    Lease first = acquire(d, "m").lease();
    first.release(Lease.Outcome.FAILED);
    RecordingWaiter again = new RecordingWaiter();
    d.retry(first, 0, again, "Connection refused");
    Lease second = again.lease();
    assertNotEquals(first.url(), second.url());
    assertEquals(2, second.attempt());
    assertEquals(1.0, meters.get("llama.gateway.retries").counter().count());

    Dispatcher single = dispatcher();
    single.onTable(table(model("m", "m", ready(1001, 1, 1))));
    Lease only = acquire(single, "m").lease();
    only.release(Lease.Outcome.FAILED);
    RecordingWaiter none = new RecordingWaiter();
    single.retry(only, 0, none, "Connection refused");
    assertEquals(502, none.error().status());
    assertTrue(
        none.error().message().contains("Connection refused; no other ready backend"),
        none.error().message());
  }

  @Test
  void fiveFailuresInARowEjectForThirtySecondsDoubling() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1), ready(1002, 2, 1))));
    failUntilEjected(d, url(1001));
    assertEquals(Set.of(url(1001)), d.ejected().get("m").keySet());
    assertEquals(
        clock.instant().plusSeconds(30), d.ejected().get("m").get(url(1001)), "first: 30 s");
    for (int i = 0; i < 10; i++) {
      Lease l = acquire(d, "m").lease();
      assertEquals(url(1002), l.url(), "an ejected backend gets no requests");
      l.release(Lease.Outcome.ANSWERED);
    }
    assertEquals(
        1.0, meters.get("llama.gateway.ejections").tag("backend", url(1001)).counter().count());

    time.advance(Duration.ofSeconds(30));
    assertTrue(d.ejected().isEmpty(), "back after 30 s");
    failUntilEjected(d, url(1001));
    assertEquals(clock.instant().plusSeconds(60), d.ejected().get("m").get(url(1001)), "doubled");
  }

  /**
   * Regression: a request queued behind an ejection waited for its timeout with the backend back.
   */
  @Test
  void aRequestQueuedWhileABackendIsEjectedGetsItWhenTheEjectionEnds() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1), ready(1002, 2, 1))));
    Lease onA = acquire(d, "m").lease(); // A busy with a long generation
    assertEquals(url(1001), onA.url());
    for (int i = 0; i < 5; i++) { // B refuses five connections in a row: ejected for 30 s
      Lease onB = acquire(d, "m").lease();
      assertEquals(url(1002), onB.url());
      onB.release(Lease.Outcome.FAILED);
    }
    RecordingWaiter queued = acquire(d, "m");
    assertTrue(queued.waiting(), "A full, B ejected: the request waits");
    time.advance(Duration.ofSeconds(29));
    assertTrue(queued.waiting(), "B is still ejected");
    time.advance(Duration.ofSeconds(1));
    assertEquals(url(1002), queued.lease().url(), "B is back, with a free slot");
  }

  @Test
  void ejectionLastsAtMostFiveMinutes() {
    EjectionPolicy p = EjectionPolicy.DEFAULT;
    assertEquals(Duration.ofSeconds(30), p.duration(1));
    assertEquals(Duration.ofSeconds(240), p.duration(4));
    assertEquals(Duration.ofMinutes(5), p.duration(5));
    assertEquals(Duration.ofMinutes(5), p.duration(50));
  }

  @Test
  void whenEveryBackendIsEjectedTheyAreUsedAnyway() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1))));
    failUntilEjected(d, url(1001));
    assertEquals(url(1001), acquire(d, "m").lease().url());
  }

  private void failUntilEjected(Dispatcher d, String target) {
    int failures = 0;
    while (failures < 5) {
      Lease l = acquire(d, "m").lease();
      if (l.url().equals(target)) {
        l.release(Lease.Outcome.FAILED);
        failures++;
      } else {
        l.release(Lease.Outcome.ANSWERED);
      }
    }
  }

  @Test
  void drainingBackendGetsNothingNewButItsInFlightCountStays() {
    Dispatcher d = dispatcher();
    d.onTable(table(model("m", "m", ready(1001, 1, 1))));
    Lease old = acquire(d, "m").lease();
    d.onTable(table(model("m", "m", draining(1001, 1, 1), ready(1002, 2, 1))));
    assertEquals(1, d.traffic().inFlight(url(1001)), "the drain waits for this count");
    assertEquals(url(1002), acquire(d, "m").lease().url());
    old.release(Lease.Outcome.ANSWERED);
    assertEquals(0, d.traffic().inFlight(url(1001)));
    assertTrue(d.traffic().lastActive("m").isPresent());
  }

  @Test
  void fiftyConcurrentFirstRequestsAskForOneStartAndAreServedWhenReady() throws Exception {
    directory =
        List.of(
            new ModelInfo("od", "od", "idle", "IDLE_TTL", null, 512, 4, StartMode.ON_DEMAND, null));
    Dispatcher d = dispatcher(GatewayOptions.defaults());
    d.onTable(table(model("od", "od")));
    List<RecordingWaiter> waiters = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      RecordingWaiter w = new RecordingWaiter();
      waiters.add(w);
      threads.add(new Thread(() -> d.acquire("od", 0, w)));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of("od"), starts, "one start for 50 requests");
    assertEquals(50, d.traffic().queued("od"));

    d.onTable(table(model("od", "od", ready(1001, 1, 4))));
    AtomicInteger served = new AtomicInteger();
    waiters.forEach(w -> served.addAndGet(w.leases.size()));
    assertEquals(4, served.get(), "as many as the backend has slots");
    assertEquals(46, d.traffic().queued("od"));
  }

  @Test
  void waitingForAStartEndsAtTheStartupDeadlineWith503() {
    directory =
        List.of(
            new ModelInfo(
                "od",
                "od",
                "idle",
                "IDLE_TTL",
                null,
                512,
                1,
                StartMode.ON_DEMAND,
                Duration.ofSeconds(90)));
    Dispatcher d = dispatcher();
    RecordingWaiter w = acquire(d, "od");
    time.advance(Duration.ofSeconds(89));
    assertTrue(w.waiting(), "the startup deadline (90 s) beats the queue timeout (60 s)");
    time.advance(Duration.ofSeconds(1));
    assertEquals("start_timeout", w.error().code());
    acquire(d, "od");
    assertEquals(List.of("od", "od"), starts, "a start that timed out is asked for again");
  }

  @Test
  void operatorStoppedOrRejectedModelsAnswer503AtOnceNamingTheReason() {
    directory =
        List.of(
            new ModelInfo(
                "s", "s", "stopped", "OPERATOR_STOP", "stopped by an operator", 0, 0, null, null),
            new ModelInfo(
                "r", "r", "rejected", "TRUNCATED", "file is truncated", 0, 0, null, null));
    Dispatcher d = dispatcher();
    GatewayError stopped = acquire(d, "s").error();
    assertEquals(503, stopped.status());
    assertEquals("OPERATOR_STOP", stopped.code());
    assertEquals("TRUNCATED", acquire(d, "r").error().code());
    assertTrue(starts.isEmpty());
  }

  @Test
  void starterRefusalAnswersEveryWaiter503() {
    directory =
        List.of(new ModelInfo("od", "od", "idle", null, null, 0, 0, StartMode.ON_DEMAND, null));
    starter =
        id -> {
          throw new ModelUnavailableException("stopped", "OPERATOR_STOP", "stopped by an operator");
        };
    Dispatcher d = dispatcher();
    GatewayError e = acquire(d, "od").error();
    assertEquals("OPERATOR_STOP", e.code());
    assertEquals(0, d.traffic().queued("od"));
  }

  @Test
  void affinityPrefersTheBackendThatServedThePrefixWhileItHasAFreeSlot() {
    Dispatcher d = dispatcher(GatewayOptions.builder().affinity(true).build());
    d.onTable(table(model("m", "m", ready(1001, 1, 2), ready(1002, 2, 2))));
    RecordingWaiter w = new RecordingWaiter();
    d.acquire("m", 77, w);
    Lease first = w.lease();
    first.release(Lease.Outcome.ANSWERED);
    for (int i = 0; i < 20; i++) {
      RecordingWaiter again = new RecordingWaiter();
      d.acquire("m", 77, again);
      assertEquals(first.url(), again.lease().url());
      again.lease().release(Lease.Outcome.ANSWERED);
    }
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      RecordingWaiter same = new RecordingWaiter();
      d.acquire("m", 77, same);
      held.add(same.lease());
    }
    RecordingWaiter third = new RecordingWaiter();
    d.acquire("m", 77, third);
    assertNotEquals(first.url(), third.lease().url(), "a full preferred backend is passed over");
  }
}
