package io.llamasupervisor.cluster;

import static io.llamasupervisor.cluster.Nodes.backend;
import static io.llamasupervisor.cluster.Nodes.model;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.DelayScheduler;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterRoutesTest {
  private final List<Runnable> timeouts = new ArrayList<>();
  private final DelayScheduler scheduler =
      (delay, task) -> {
        timeouts.add(task);
        return () -> timeouts.remove(task);
      };
  private final ClusterRoutes routes = new ClusterRoutes("c", scheduler, Runnable::run);

  @Test
  void versionsAreTheRevisionsGivenAndUnchangedRoutesAreNoNewVersion() {
    assertEquals("c-unknown", routes.epoch());
    assertEquals(1, routes.current().version());
    RoutingTable t = routes.publish("c-1f", 40, List.of(model("m")));
    assertEquals(40, t.version());
    assertSame(t, routes.publish("c-1f", 41, List.of(model("m"))), "same routes, same version");
    assertEquals(
        42,
        routes
            .publish("c-1f", 42, List.of(model("m", backend(1, 1, BackendState.READY))))
            .version());
  }

  @Test
  void aBlockingQueryAnswersOnTheNextRevisionOrWithTheSameTableAfterItsWait() {
    routes.publish("c-1f", 40, List.of(model("m")));
    var pending = routes.awaitChange("c-1f", 40, Duration.ofSeconds(30));
    assertFalse(pending.isDone());
    routes.publish("c-1f", 45, List.of(model("n")));
    assertEquals(45, pending.join().version());
    assertTrue(timeouts.isEmpty(), "the answered query's timeout is cancelled");

    var waiting = routes.awaitChange("c-1f", 45, Duration.ofSeconds(30));
    timeouts.get(0).run();
    assertEquals(45, waiting.join().version());
    assertEquals(
        45,
        routes.awaitChange("other-epoch", 45, Duration.ofSeconds(30)).join().version(),
        "another epoch answers at once");
  }

  @Test
  void subscribersGetTheCurrentTableThenEveryNewerOne() {
    List<Long> seen = new ArrayList<>();
    var sub = routes.subscribe(t -> seen.add(t.version()));
    routes.publish("c-1f", 7, List.of(model("m")));
    routes.publish("c-1f", 9, List.of(model("n")));
    sub.close();
    routes.publish("c-1f", 11, List.of(model("o")));
    assertEquals(List.of(1L, 7L, 9L), seen);
  }
}
