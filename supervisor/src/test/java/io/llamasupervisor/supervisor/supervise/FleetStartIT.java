package io.llamasupervisor.supervisor.supervise;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A fleet of many models starts as fast as its start slots allow. */
class FleetStartIT extends FleetHarness.PerTest {
  /**
   * 20 models with 2 start slots: each freed slot starts the next pending model at once. The resync
   * is set to an hour, so if any start waited for it, that model would never become ready here.
   */
  @Test
  void aFreedStartSlotStartsTheNextPendingModelAtOnce() throws Exception {
    List<String> ids = IntStream.range(0, 20).mapToObj(n -> "pub/fleet/m" + n).toList();
    for (String id : ids) {
      h.model(id);
    }
    h.start(
        "supervisor.supervision.resync-interval=1h",
        "supervisor.supervision.max-concurrent-starts=2",
        // production liveness: a server slowed by the other JVMs is not taken for hung
        "supervisor.supervision.liveness.interval=5s",
        "supervisor.supervision.liveness.timeout=2s",
        "supervisor.supervision.liveness.failure-threshold=3");
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> h.fleet.models().stream().filter(s -> s.state().equals("ready")).count(),
            n -> n == ids.size());
    for (String id : ids) {
      ModelStatus s = h.status(id);
      assertEquals(1, s.instances().size(), s.toString());
      assertEquals(1, s.instances().get(0).generation(), "started once: " + s);
    }
  }
}
