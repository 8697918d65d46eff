package io.llamasupervisor.bench;

import static io.llamasupervisor.bench.Tables.draining;
import static io.llamasupervisor.bench.Tables.ready;
import static io.llamasupervisor.bench.Tables.starting;
import static io.llamasupervisor.bench.Tables.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteFollowerTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final GenerationTimeline shared = new GenerationTimeline(Tables.MODEL);
  private final RouteFollower view = new RouteFollower(Tables.MODEL, clock, shared);

  @Test
  void picksNothingBeforeTheFirstTable() {
    assertEquals(Optional.empty(), view.pick());
  }

  @Test
  void picksReadyBackendsInTurnAndNeverStartingOrDrainingOnes() {
    view.accept(table(5, draining(1), ready(2), starting(3), ready(4)));

    List<Long> picked = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      picked.add(view.pick().map(p -> p.backend().generation()).orElseThrow());
    }

    assertEquals(List.of(2L, 4L, 2L, 4L), picked);
  }

  @Test
  void aPickIsTimedNoEarlierThanTheTablesItWasMadeFrom() {
    view.accept(table(2, ready(1)));
    clock.advance(Duration.ofMillis(40));
    view.accept(table(3, draining(1), ready(2)));

    RouteFollower.Pick p = view.pick().orElseThrow();

    assertEquals(2, p.backend().generation());
    assertFalse(p.at().isBefore(view.timeline().switchedAt(1).orElseThrow()));
  }

  @Test
  void picksNothingWhenTheModelHasNoReadyBackend() {
    view.accept(table(5, draining(1), starting(2)));

    assertEquals(Optional.empty(), view.pick());
  }

  @Test
  void reportsTablesToItsOwnAndTheSharedTimelineWithItsClock() {
    view.accept(table(2, ready(1)));
    clock.advance(Duration.ofMillis(250));
    view.accept(table(3, draining(1), ready(2)));

    assertEquals(Optional.of(clock.instant()), view.timeline().switchedAt(1));
    assertEquals(Optional.of(clock.instant()), shared.switchedAt(1));
  }

  @Test
  void awaitReturnsWhenATableSatisfiesTheCondition() throws InterruptedException {
    view.accept(table(2, ready(1)));

    assertTrue(view.await(t -> t.version() == 2, Duration.ofMillis(1)));
    assertFalse(view.await(t -> t.version() == 3, Duration.ofMillis(20)));
  }
}
