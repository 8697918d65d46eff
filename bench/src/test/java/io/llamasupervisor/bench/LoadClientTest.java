package io.llamasupervisor.bench;

import static io.llamasupervisor.bench.Tables.draining;
import static io.llamasupervisor.bench.Tables.ready;
import static io.llamasupervisor.bench.Tables.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LoadClientTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final RouteFollower view =
      new RouteFollower(Tables.MODEL, clock, new GenerationTimeline(Tables.MODEL));
  private final FakeTransport transport = new FakeTransport();
  private final List<RequestRecord> records = new ArrayList<>();
  private final RequestMix mix =
      new RequestMix("tiny", false, 8, Duration.ofSeconds(2), Duration.ofSeconds(10), 20);
  private final LoadClient client =
      new LoadClient(
          3, true, view, transport, mix, new Random(7), clock, records::add, Duration.ofMillis(1));

  @Test
  void sendsToTheReadyBackendsInTurnAndRecordsEachRequest() throws InterruptedException {
    view.accept(table(2, ready(1), ready(2)));
    transport.pace = Duration.ofMillis(300);

    for (int i = 0; i < 4; i++) {
      client.step();
    }

    assertEquals(List.of(1L, 2L, 1L, 2L), transport.sentTo);
    assertEquals(4, records.size());
    RequestRecord first = records.get(0);
    assertEquals(3, first.client());
    assertTrue(first.keepAlive());
    assertEquals(1, first.generation());
    assertEquals(Duration.ofMillis(300), first.elapsed());
    assertTrue(first.outcome().succeeded());
    assertNull(first.clientSwitchSeenAt());
  }

  @Test
  void followsTheTableFromOneGenerationToTheNext() throws InterruptedException {
    view.accept(table(2, ready(1)));
    client.step();
    view.accept(table(3, draining(1), ready(2)));
    client.step();

    assertEquals(List.of(1L, 2L), transport.sentTo);
    assertFalse(records.get(1).routedAfterClientSawSwitch());
  }

  @Test
  void aSwitchSeenWhileTheRequestRunsIsNotLateButIsRemembered() throws InterruptedException {
    view.accept(table(2, ready(1)));
    transport.pace = Duration.ofMillis(500);
    transport.during = v -> view.accept(table(3, draining(1), ready(2)));

    client.step();

    RequestRecord r = records.get(0);
    assertEquals(r.sentAt().plusMillis(500), r.clientSwitchSeenAt());
    assertFalse(r.routedAfterClientSawSwitch());
  }

  @Test
  void recordsTheFailureItWasGiven() throws InterruptedException {
    view.accept(table(2, ready(1)));
    transport.outcomes.add(
        Outcome.failed(FailureKind.TRUNCATED_STREAM, 200, 12, "stream ended without [DONE]"));

    client.step();

    assertEquals(FailureKind.TRUNCATED_STREAM, records.get(0).outcome().failure());
  }

  @Test
  void reportsAGapWithoutReadyBackendOnceAndNotBeforeTheFirstRequest() throws InterruptedException {
    view.accept(table(2, draining(1)));
    client.step(); // not started yet: waits silently
    assertTrue(records.isEmpty());

    view.accept(table(3, draining(1), ready(2)));
    client.step();
    view.accept(table(4, draining(2)));
    client.step();
    client.step();

    assertEquals(2, records.size());
    RequestRecord gap = records.get(1);
    assertEquals(FailureKind.NO_READY_BACKEND, gap.outcome().failure());
    assertEquals(-1, gap.generation());
    assertTrue(gap.outcome().detail().contains("version 4"), gap.outcome().detail());

    view.accept(table(5, ready(3)));
    client.step();
    view.accept(table(6, draining(3)));
    client.step();
    assertEquals(4, records.size(), "a second gap is reported again");
  }

  @Test
  void aRequestBrokenByAbortIsATimeout() throws InterruptedException {
    view.accept(table(2, ready(1)));
    transport.during = v -> client.abort();
    transport.outcomes.add(Outcome.failed(FailureKind.TRUNCATED_STREAM, 200, 3, "Socket closed"));

    client.step();

    Outcome o = records.get(0).outcome();
    assertEquals(FailureKind.TIMEOUT, o.failure());
    assertTrue(o.detail().contains("still running"), o.detail());
    assertTrue(transport.aborted);
  }

  @Test
  void withoutStreamOnlyTheMixHoldsBothKinds() throws InterruptedException {
    view.accept(table(2, ready(1)));
    for (int i = 0; i < 40; i++) {
      client.step();
    }

    long streams = transport.requests.stream().filter(BenchRequest::stream).count();
    // seed 7 draws exactly this mix; another mix rule or seed handling changes it
    assertEquals(20, streams, "streams of 40 requests with seed 7");
    assertTrue(
        transport.requests.stream()
            .filter(BenchRequest::stream)
            .allMatch(r -> r.maxTokens() >= 100 && r.maxTokens() <= 500),
        "2-10 s at 20 ms per token");
    assertTrue(
        transport.requests.stream().filter(r -> !r.stream()).allMatch(r -> r.maxTokens() == 8));
  }

  /** Answers from a script (success by default), advancing the clock by {@code pace}. */
  private final class FakeTransport implements BackendTransport {
    final List<Long> sentTo = new ArrayList<>();
    final List<BenchRequest> requests = new ArrayList<>();
    final Deque<Outcome> outcomes = new ArrayDeque<>();
    Duration pace = Duration.ofMillis(10);
    Consumer<BackendRoute> during = b -> {};
    boolean aborted;

    @Override
    public Outcome send(BackendRoute backend, BenchRequest request) {
      sentTo.add(backend.generation());
      requests.add(request);
      clock.advance(pace);
      during.accept(backend);
      Outcome o = outcomes.poll();
      return o != null ? o : Outcome.ok(200, request.stream() ? 5 : 0);
    }

    @Override
    public void abort() {
      aborted = true;
    }

    @Override
    public void close() {}
  }
}
