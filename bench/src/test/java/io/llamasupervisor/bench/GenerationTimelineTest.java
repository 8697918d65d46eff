package io.llamasupervisor.bench;

import static io.llamasupervisor.bench.Tables.draining;
import static io.llamasupervisor.bench.Tables.ready;
import static io.llamasupervisor.bench.Tables.starting;
import static io.llamasupervisor.bench.Tables.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GenerationTimelineTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private final GenerationTimeline timeline = new GenerationTimeline(Tables.MODEL);

  @Test
  void recordsReadyDrainingAndGoneOfEachGeneration() {
    timeline.observe(table(2, ready(1)), at(0));
    timeline.observe(table(3, ready(1), starting(2)), at(100));
    timeline.observe(table(4, draining(1), ready(2)), at(900));
    timeline.observe(table(5, ready(2)), at(3000));

    assertEquals(Optional.of(at(0)), timeline.readyAt(1));
    assertEquals(Optional.of(at(900)), timeline.drainingAt(1));
    assertEquals(Optional.of(at(3000)), timeline.goneAt(1));
    assertEquals(Optional.of(at(900)), timeline.switchedAt(1));
    assertEquals(Optional.of(at(900)), timeline.readyAt(2));
    assertEquals(Optional.empty(), timeline.switchedAt(2));
  }

  @Test
  void aGenerationRemovedWithoutBeingSeenDrainingSwitchesWhenItIsGone() {
    timeline.observe(table(2, ready(1)), at(0));
    timeline.observe(table(4, ready(2)), at(500)); // version 3 (1 DRAINING) was skipped

    assertEquals(Optional.empty(), timeline.drainingAt(1));
    assertEquals(Optional.of(at(500)), timeline.switchedAt(1));
  }

  @Test
  void theEarliestWatcherWins() {
    timeline.observe(table(2, ready(1)), at(0));
    timeline.observe(table(3, draining(1), ready(2)), at(40)); // a lagging watcher first
    timeline.observe(table(3, draining(1), ready(2)), at(10)); // the quick one reports later

    assertEquals(Optional.of(at(10)), timeline.switchedAt(1));
    assertEquals(Optional.of(at(10)), timeline.readyAt(2));
  }

  @Test
  void anOlderTableDeliveredLateDoesNotMakeANewerGenerationGone() {
    timeline.observe(table(3, draining(1), ready(2)), at(10));
    timeline.observe(table(2, ready(1)), at(20)); // a watcher still on the version before gen 2

    assertEquals(Optional.empty(), timeline.goneAt(2));
    assertTrue(timeline.readyAt(2).isPresent());
  }

  @Test
  void aTableWithoutTheModelMakesItsGenerationsGone() {
    timeline.observe(table(2, ready(1)), at(0));
    timeline.observe(Tables.empty(3), at(70));

    assertEquals(Optional.of(at(70)), timeline.goneAt(1));
  }

  @Test
  void anotherEpochDoesNotCountAsGone() {
    timeline.observe(table(7, ready(1)), at(0));
    timeline.observe(table("e2", 1), at(50)); // a restarted registry, still empty

    assertEquals(Optional.empty(), timeline.goneAt(1));
  }

  private static Instant at(long millis) {
    return T0.plusMillis(millis);
  }
}
