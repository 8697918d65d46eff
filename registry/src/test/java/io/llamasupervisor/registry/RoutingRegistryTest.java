package io.llamasupervisor.registry;

import static io.llamasupervisor.registry.Routes.T0;
import static io.llamasupervisor.registry.Routes.backend;
import static io.llamasupervisor.registry.Routes.ready;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.testing.ManualScheduler;
import io.llamasupervisor.testing.MutableClock;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingRegistryTest {
  private final MutableClock clock = new MutableClock(T0);
  private final ManualScheduler time = new ManualScheduler(clock);
  private final RoutingRegistry registry =
      new RoutingRegistry(clock, "e1", DelayScheduler.on(time), Runnable::run);

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void startsEmptyAtVersionOne() {
    RoutingTable t = registry.current();
    assertEquals("e1", t.epoch());
    assertEquals(1, t.version());
    assertTrue(t.models().isEmpty());
  }

  @Test
  void eachChangeGetsTheNextVersion() {
    List<Long> versions = new ArrayList<>();
    versions.add(registry.publish(Map.of("a", ready("a", 8001))).version());
    versions.add(registry.update(b -> b.put(ready("b", 8002))).version());
    versions.add(registry.update(b -> b.update("a", m -> m.withState("stopping"))).version());
    versions.add(registry.update(b -> b.remove("b")).version());
    assertEquals(List.of(2L, 3L, 4L, 5L), versions);
    assertEquals(5, registry.current().version());
  }

  @Test
  void identicalPublishDoesNotBumpTheVersion() {
    RoutingTable first = registry.publish(Map.of("a", ready("a", 8001)));
    assertSame(first, registry.publish(Map.of("a", ready("a", 8001))));
    assertSame(first, registry.update(b -> b));
    assertSame(first, registry.update(b -> b.remove("absent")));
    assertEquals(2, registry.current().version());
  }

  @Test
  void swappingBackendsIsOneVersion() {
    registry.publish(Map.of("m", ready("m", 8001)));
    long before = registry.current().version();

    RoutingTable swapped =
        registry.update(
            b ->
                b.update(
                    "m",
                    m ->
                        m.withBackend(backend(8002, 2, BackendState.READY))
                            .withBackend(
                                m.backend(1)
                                    .orElseThrow()
                                    .withState(BackendState.DRAINING, T0.plusSeconds(5)))));

    assertEquals(before + 1, swapped.version());
    ModelRoute m = swapped.model("m").orElseThrow();
    assertEquals(List.of(2L), m.readyBackends().stream().map(BackendRoute::generation).toList());
    assertEquals(BackendState.DRAINING, m.backend(1).orElseThrow().state());
    assertEquals(T0.plusSeconds(5), m.backend(1).orElseThrow().since());
  }

  @Test
  void concurrentWritersEachGetTheirOwnVersion() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        String id = "m" + i;
        results.add(pool.submit(() -> registry.update(b -> b.put(ready(id, 9000))).version()));
      }
      Set<Long> versions = new java.util.HashSet<>();
      for (Future<Long> f : results) {
        versions.add(f.get(10, TimeUnit.SECONDS));
      }
      assertEquals(400, versions.size(), "no version handed out twice");
      assertEquals(401, registry.current().version());
      assertEquals(400, registry.current().models().size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void awaitChangeAnswersAtOnceWhenTheCallerIsBehind() {
    registry.publish(Map.of("a", ready("a", 8001)));
    registry.publish(Map.of("a", ready("a", 8002)));

    CompletableFuture<RoutingTable> f = registry.awaitChange(1, Duration.ofSeconds(30));

    assertTrue(f.isDone());
    assertEquals(3, f.join().version());
    assertEquals(0, registry.pendingWaiters());
  }

  @Test
  void awaitChangeAnswersAtOnceForAnIndexOrEpochOfAnotherRun() {
    // index 42 cannot be from this run (current version is 1): a restarted registry
    assertEquals(1, registry.awaitChange(42, Duration.ofSeconds(30)).join().version());
    assertTrue(registry.awaitChange("e0", 1, Duration.ofSeconds(30)).isDone());
    assertFalse(registry.awaitChange("e1", 1, Duration.ofSeconds(30)).isDone());
  }

  @Test
  void awaitChangeCompletesOnPublish() {
    CompletableFuture<RoutingTable> f = registry.awaitChange(1, Duration.ofSeconds(30));
    assertFalse(f.isDone());
    assertEquals(1, registry.pendingWaiters());
    assertEquals(1, time.pending());

    registry.publish(Map.of("a", ready("a", 8001)));

    assertTrue(f.isDone());
    assertEquals(2, f.join().version());
    assertEquals(0, registry.pendingWaiters());
    assertEquals(0, time.pending(), "the timeout is cancelled");
  }

  @Test
  void awaitChangeTimesOutWithTheSameTableAfterTheWaitPlusJitter() {
    RoutingTable before = registry.current();
    CompletableFuture<RoutingTable> f = registry.awaitChange(1, Duration.ofSeconds(32));
    Duration due = time.pendingDelays().get(0);
    assertTrue(
        due.compareTo(Duration.ofSeconds(32)) >= 0 && due.compareTo(Duration.ofSeconds(34)) <= 0,
        "timeout after wait + at most wait/16, was " + due);

    time.advance(Duration.ofSeconds(32).minusMillis(1));
    assertFalse(f.isDone());

    time.advance(Duration.ofSeconds(2).plusMillis(1));
    assertTrue(f.isDone());
    assertSame(before, f.join());
    assertEquals(0, registry.pendingWaiters());
  }

  @Test
  void jitterSpreadsTimeouts() {
    for (int i = 0; i < 50; i++) {
      registry.awaitChange(1, Duration.ofSeconds(16));
    }
    assertTrue(time.pendingDelays().stream().distinct().count() > 1, "timeouts are not all equal");
    assertTrue(
        time.pendingDelays().stream().allMatch(d -> d.compareTo(Duration.ofSeconds(17)) <= 0));
  }

  @Test
  void cancelledWaitIsForgotten() {
    CompletableFuture<RoutingTable> f = registry.awaitChange(1, Duration.ofSeconds(30));
    f.cancel(false);
    assertEquals(0, registry.pendingWaiters());
    assertEquals(0, time.pending());
  }

  @Test
  void zeroWaitAnswersAtOnce() {
    assertTrue(registry.awaitChange(1, Duration.ZERO).isDone());
  }

  @Test
  void rejectsNegativeIndexAndWait() {
    assertThrows(IllegalArgumentException.class, () -> registry.awaitChange(-1, Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> registry.awaitChange(1, Duration.ofSeconds(-1)));
  }

  @Test
  void tenThousandWaitersNeedNoThreadEach() throws Exception {
    var threads = ManagementFactory.getThreadMXBean();
    try (RoutingRegistry real = new RoutingRegistry(Clock.system(ZoneOffset.UTC))) {
      int before = threads.getThreadCount();
      List<CompletableFuture<RoutingTable>> waits = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        waits.add(real.awaitChange(1, Duration.ofMinutes(5)));
      }
      assertEquals(10_000, real.watcherCount());
      assertTrue(
          threads.getThreadCount() - before < 50, // 3 of its own; slack for JVM threads
          "threads grew from " + before + " to " + threads.getThreadCount());

      real.update(b -> b.put(ready("a", 8001)));

      CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      assertTrue(waits.stream().allMatch(w -> w.join().version() == 2));
      await().atMost(Duration.ofSeconds(5)).until(() -> real.watcherCount() == 0);
    }
  }

  @Test
  void subscriberGetsTheCurrentTableThenEveryChangeInOrder() {
    List<Long> seen = new CopyOnWriteArrayList<>();
    try (var s = registry.subscribe(t -> seen.add(t.version()))) {
      registry.publish(Map.of("a", ready("a", 8001)));
      registry.publish(Map.of("a", ready("a", 8002)));
      assertEquals(1, registry.subscriberCount());
      assertEquals(1, registry.watcherCount());
    }
    registry.publish(Map.of("a", ready("a", 8003)));
    assertEquals(List.of(1L, 2L, 3L), seen);
    assertEquals(0, registry.subscriberCount());
  }

  @Test
  void failingSubscriberKeepsItsSubscription() {
    List<Long> seen = new CopyOnWriteArrayList<>();
    registry.subscribe(
        t -> {
          seen.add(t.version());
          throw new IllegalStateException("boom");
        });
    registry.publish(Map.of("a", ready("a", 8001)));
    assertEquals(List.of(1L, 2L), seen);
  }

  /** A subscriber stuck in its callback must neither block publishers nor receive a backlog. */
  @Test
  void slowSubscriberGetsOnlyTheLatestTableAndNeverBlocksPublish() {
    ExecutorService notifier = Executors.newFixedThreadPool(2);
    try (RoutingRegistry real =
        new RoutingRegistry(clock, "e2", DelayScheduler.on(time), notifier)) {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch entered = new CountDownLatch(1);
      List<Long> slow = Collections.synchronizedList(new ArrayList<>());
      List<Long> fast = new CopyOnWriteArrayList<>();
      real.subscribe(
          t -> {
            slow.add(t.version());
            entered.countDown();
            awaitQuietly(release);
          });
      real.subscribe(t -> fast.add(t.version()));
      awaitQuietly(entered);

      assertTimeoutPreemptively(
          Duration.ofSeconds(5),
          () -> {
            for (int i = 0; i < 50; i++) {
              real.update(b -> b.put(ready("a", 8000 + (int) (Math.random() * 1000) + 1)));
            }
          });
      long last = real.current().version();
      await().atMost(Duration.ofSeconds(5)).until(() -> fast.contains(last));
      assertEquals(List.of(1L), slow, "the slow subscriber is still in its first call");

      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> slow.contains(last));
      assertEquals(List.of(1L, last), slow);
      assertStrictlyIncreasing(fast);
    } finally {
      notifier.shutdownNow();
    }
  }

  @Test
  void closeAnswersPendingWaitsAndRefusesUpdates() {
    CompletableFuture<RoutingTable> f = registry.awaitChange(1, Duration.ofSeconds(30));
    List<Long> seen = new CopyOnWriteArrayList<>();
    registry.subscribe(t -> seen.add(t.version()));

    registry.close();

    assertEquals(1, f.join().version());
    assertEquals(0, registry.watcherCount());
    assertThrows(IllegalStateException.class, () -> registry.update(b -> b.put(ready("a", 1))));
    assertTrue(registry.awaitChange(1, Duration.ofSeconds(30)).isDone());
    assertEquals(List.of(1L), seen);
  }

  @Test
  void recordsWhenTheTableLastChanged() {
    time.advance(Duration.ofSeconds(7));
    registry.update(b -> b.put(ready("a", 8001)));
    time.advance(Duration.ofSeconds(3));
    registry.update(b -> b.put(ready("a", 8001)));
    assertEquals(T0.plusSeconds(7), registry.lastChange());
  }

  @Test
  void publishRejectsAModelKeyedUnderAnotherId() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> registry.publish(Map.of("x", ready("a", 1))));
    assertEquals("model a is keyed as x", e.getMessage());
  }

  @Test
  void newEpochsDiffer() {
    Set<String> epochs = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 100; i++) {
      epochs.add(RoutingRegistry.newEpoch(clock));
    }
    assertEquals(100, epochs.size());
    assertNotEquals(RoutingRegistry.newEpoch(clock), RoutingRegistry.newEpoch(clock));
  }

  private static void assertStrictlyIncreasing(List<Long> versions) {
    for (int i = 1; i < versions.size(); i++) {
      assertTrue(versions.get(i) > versions.get(i - 1), "out of order: " + versions);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
