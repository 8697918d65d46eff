package io.llamasupervisor.supervisor.supervise;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.ModelRoute;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** On-demand start, idle stop by ttl, replicas and drains that wait for the gateway's traffic. */
class ServingModesIT extends FleetHarness.OneModel {
  final TestTraffic traffic = new TestTraffic();

  /** A gateway's counts, set by the test. */
  static final class TestTraffic implements Traffic {
    final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    final AtomicInteger queued = new AtomicInteger();
    volatile Instant lastActive;

    AtomicInteger at(String url) {
      return inFlight.computeIfAbsent(url, u -> new AtomicInteger());
    }

    @Override
    public int inFlight(String backendUrl) {
      return at(backendUrl).get();
    }

    @Override
    public Optional<Instant> lastActive(String modelId) {
      return Optional.ofNullable(lastActive);
    }

    @Override
    public int queued(String modelId) {
      return queued.get();
    }
  }

  private FleetHarness start(String... overrides) throws IOException {
    h.start(overrides);
    h.fleet.setTraffic(traffic);
    return h;
  }

  private static String model(String key, Object value) {
    return "supervisor.models.\"**\"." + key + "=" + value;
  }

  @Test
  void anOnDemandModelWaitsIdleAndFiftyConcurrentDemandsStartOneInstance() throws Exception {
    start(model("start", "on-demand"));
    ModelStatus idle = h.awaitState(ID, "idle", LONG);
    assertEquals(ReasonCode.ON_DEMAND, idle.lastDecision().code(), idle.toString());
    assertEquals("on-demand", idle.startMode());
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(3))
        .until(() -> h.status(ID).instances().isEmpty());

    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Fleet.CommandResult>> answers = new ArrayList<>();
      for (int n = 0; n < 50; n++) {
        String name = n % 2 == 0 ? ID : "m";
        answers.add(
            pool.submit(
                () -> {
                  go.await();
                  return h.fleet.demand(name);
                }));
      }
      go.countDown();
      for (Future<Fleet.CommandResult> a : answers) {
        assertEquals(Fleet.CommandResult.ACCEPTED, a.get());
      }
    } finally {
      pool.shutdownNow();
    }
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    assertEquals(1, ready.instances().size(), ready.toString());
    assertEquals(1, ready.instances().get(0).generation(), "exactly one instance was started");
    assertEquals(Fleet.CommandResult.NOT_FOUND, h.fleet.demand("nope"));
  }

  @Test
  void aModelIdleForItsTtlStopsAndTheNextDemandStartsIt() throws Exception {
    start(model("ttl", "1s"));
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    int first = ready.instances().get(0).generation();
    ModelStatus idle = h.awaitState(ID, "idle", LONG);
    assertEquals(ReasonCode.IDLE_TTL, idle.lastDecision().code(), idle.toString());
    assertTrue(idle.instances().isEmpty(), idle.toString());
    assertEquals("idle", h.routes.current().model(ID).orElseThrow().state());
    assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.demand(ID));
    ModelStatus again = h.awaitState(ID, "ready", LONG);
    assertTrue(again.instances().get(0).generation() > first, again.toString());
  }

  @Test
  void aTtlNeverStopsAModelWithRequestsQueuedOrInFlight() throws Exception {
    traffic.queued.set(1);
    start(model("ttl", "500ms"));
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> h.status(ID).state().equals("ready"));
    traffic.queued.set(0);
    traffic.at(ready.instances().get(0).url()).set(1);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> h.status(ID).state().equals("ready"));
    traffic.at(ready.instances().get(0).url()).set(0);
    traffic.lastActive = Instant.now();
    ModelStatus idle = h.awaitState(ID, "idle", LONG);
    assertEquals(ReasonCode.IDLE_TTL, idle.lastDecision().code());
  }

  @Test
  void anOperatorStopIsNotOverriddenByDemand() throws Exception {
    start();
    h.awaitState(ID, "ready", LONG);
    h.fleet.operatorStop(ID);
    h.awaitState(ID, "stopped", LONG);
    assertEquals(Fleet.CommandResult.STOPPED, h.fleet.demand(ID));
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(3))
        .until(() -> h.status(ID).instances().isEmpty());
  }

  @Test
  void replicasServeSideBySideAndAreReplacedEachOnItsOwn() throws Exception {
    start(model("replicas", 2));
    ModelStatus ready =
        h.await(
            ID,
            s ->
                s.instances().size() == 2
                    && s.instances().stream().allMatch(i -> i.state().equals("ready")),
            LONG);
    assertEquals(2, ready.replicas());
    assertEquals(
        1,
        ready.instances().stream().map(ModelStatus.InstanceStatus::generation).distinct().count());
    ModelRoute route =
        await()
            .atMost(LONG)
            .until(
                () -> h.routes.current().model(ID).orElseThrow(),
                r -> r.readyBackends().size() == 2);
    assertEquals(List.of(0, 1), route.readyBackends().stream().map(BackendRoute::replica).toList());
    assertEquals(2, route.readyBackends().stream().map(BackendRoute::port).distinct().count());

    int first = ready.instances().get(0).generation();
    h.fleet.operatorRestart(ID);
    ModelStatus after =
        h.await(
            ID,
            s ->
                s.instances().size() == 2
                    && s.instances().stream()
                        .allMatch(i -> i.generation() > first && i.state().equals("ready")),
            LONG);
    assertEquals(
        List.of(0, 1),
        after.instances().stream().map(ModelStatus.InstanceStatus::replica).sorted().toList());
  }

  @Test
  void aReplacedGenerationDrainsUntilTheGatewayHasNothingInFlightToIt() throws Exception {
    start();
    ModelStatus.InstanceStatus old = h.awaitState(ID, "ready", LONG).instances().get(0);
    traffic.at(old.url()).set(1);
    h.fleet.operatorRestart(ID);
    h.await(
        ID,
        s ->
            s.instances().stream()
                .anyMatch(i -> i.generation() == old.generation() && i.state().equals("draining")),
        LONG);
    // the drain linger (300 ms) passes and the server's slots are idle, but the gateway still has
    // a request in flight to it
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(
            () ->
                h.status(ID).instances().stream()
                    .anyMatch(
                        i -> i.generation() == old.generation() && i.state().equals("draining")));
    traffic.at(old.url()).set(0);
    h.await(
        ID,
        s -> s.instances().size() == 1 && s.instances().get(0).generation() > old.generation(),
        LONG);
  }
}
