package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Fleet#subscribe}: a blue-green restart reports, in this order, the decision, the new
 * generation's moves, the rollout's phases and the old generation's moves, numbered without gaps,
 * each with the model's state after it.
 */
class FleetEventsIT {
  static final String ID = "pub/repo/events";
  static final Duration LONG = Duration.ofSeconds(30);

  @TempDir Path dir;
  FleetHarness h;

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void aRestartReportsDecisionMovesAndRolloutPhasesInOrder() throws Exception {
    h = new FleetHarness(dir);
    h.model(ID);
    h.start();
    h.awaitState(ID, "ready", LONG);
    List<FleetEvent> events = new CopyOnWriteArrayList<>();
    Fleet.Subscription subscription = h.fleet.subscribe(events::add);

    assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.operatorRestart(ID));
    Awaitility.await()
        .atMost(LONG)
        .until(
            () -> events.stream().anyMatch(e -> e.generation() == 1 && "stopped".equals(e.to())));

    List<String> seen = new ArrayList<>();
    for (FleetEvent e : events) {
      seen.add(
          switch (e.kind()) {
            case STATE ->
                e.generation() + ":" + (e.from() == null ? "new" : e.from()) + "->" + e.to();
            case ROLLOUT -> "rollout:" + e.to();
            case DECISION -> "decision:" + e.reason();
          });
    }
    List<String> expected =
        List.of(
            "decision:OPERATOR_RESTART",
            "2:new->starting",
            "rollout:starting",
            "2:starting->ready",
            "1:ready->draining",
            "rollout:draining",
            "1:draining->stopping",
            "rollout:done",
            "1:stopping->stopped");
    assertEquals(expected, seen.stream().filter(expected::contains).toList(), seen.toString());
    for (int k = 1; k < events.size(); k++) {
      assertEquals(events.get(k - 1).seq() + 1, events.get(k).seq(), "gap at " + events.get(k));
    }
    assertTrue(events.stream().allMatch(e -> e.model().equals(ID) && e.at() != null));
    FleetEvent ready =
        events.stream()
            .filter(e -> "ready".equals(e.to()) && e.generation() == 2)
            .findFirst()
            .get();
    assertEquals("ready", ready.modelState());
    assertEquals(ReasonCode.READY, ready.reason());

    // closed: no more events
    subscription.close();
    int before = events.size();
    h.fleet.operatorStop(ID);
    h.awaitState(ID, "stopped", LONG);
    assertEquals(before, events.size());
    assertTrue(h.fleet.startupTimeout(ID).orElseThrow().compareTo(Duration.ofSeconds(60)) >= 0);
  }
}
