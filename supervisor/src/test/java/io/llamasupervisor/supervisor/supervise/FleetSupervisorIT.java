package io.llamasupervisor.supervisor.supervise;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The supervision behaviour a user sees, with real fake-llama-server processes. */
class FleetSupervisorIT extends FleetHarness.OneModel {
  private static String env(String name, Object value) {
    return "supervisor.models.\"**\".env." + name + "=" + value;
  }

  private static ModelStatus.InstanceStatus only(ModelStatus s) {
    assertEquals(1, s.instances().size(), s.toString());
    return s.instances().get(0);
  }

  /**
   * The routing table learns of readiness from the readiness wait itself (the resync is an hour
   * away), and never before the server has loaded (1.5 s after its start). The lag behind an
   * independent 5 ms poller of the same port is printed; its bound belongs to a benchmark.
   */
  @Test
  void readyIsPublishedOnceTheServerIsReadyWithoutWaitingForAResync() throws Exception {
    CopyOnWriteArrayList<Instant> published = new CopyOnWriteArrayList<>();
    h.start(env("FAKE_LLAMA_LOAD_MS", 1500), "supervisor.supervision.resync-interval=1h");
    try (RoutingRegistry.Subscription sub =
        h.routes.subscribe(
            t -> {
              if (t.model(ID).map(m -> !m.readyBackends().isEmpty()).orElse(false)) {
                published.add(Instant.now());
              }
            })) {
      ModelStatus starting = h.await(ID, s -> s.instances().size() == 1, LONG);
      ModelStatus.InstanceStatus instance = only(starting);
      int port = instance.port();
      HttpClient client = HttpClient.newHttpClient();
      Instant firstOk = null;
      Instant deadline = Instant.now().plusSeconds(20);
      while (firstOk == null && Instant.now().isBefore(deadline)) {
        try {
          HttpResponse<Void> r =
              client.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                      .timeout(Duration.ofMillis(500))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 200) {
            firstOk = Instant.now();
          }
        } catch (IOException e) {
          // not listening yet
        }
        if (firstOk == null) {
          java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
      }
      assertTrue(firstOk != null, "server never became ready");
      await().atMost(LONG).until(() -> !published.isEmpty());
      long afterStart = Duration.between(instance.startedAt(), published.get(0)).toMillis();
      assertTrue(afterStart >= 1500, "published " + afterStart + " ms after the spawn");
      System.out.println(
          "readiness published "
              + Duration.between(firstOk, published.get(0)).toMillis()
              + " ms after /health turned 200");
    }
  }

  @Test
  void aCrashIsRestartedAfterTheBackoff() throws Exception {
    h.start(env("FAKE_LLAMA_EXIT_AFTER_MS", 2500), env("FAKE_LLAMA_EXIT_CODE", 3));
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    int firstGeneration = only(ready).generation();
    ModelStatus crashed =
        h.await(
            ID,
            s -> s.lastDecision() != null && s.lastDecision().code() == ReasonCode.EXITED,
            LONG);
    assertTrue(crashed.lastDecision().message().startsWith("EXITED(3)"), crashed.toString());
    assertTrue(
        crashed.lastDecision().message().contains("restart 1 in 300 ms"), crashed.toString());
    assertEquals("EXITED(3)", crashed.lastExit());
    Instant crashAt = crashed.lastDecision().at();
    ModelStatus again =
        h.await(
            ID, s -> s.instances().stream().anyMatch(i -> i.generation() > firstGeneration), LONG);
    ModelStatus.InstanceStatus next = only(again);
    long delay = Duration.between(crashAt, next.startedAt()).toMillis();
    assertTrue(delay >= 300, "restarted after " + delay + " ms, backoff is 300 ms");
    assertEquals(1, again.restarts());
  }

  @Test
  void aCrashLoopEndsFailedWithTheLastLines() throws Exception {
    h.start(env("FAKE_LLAMA_EXIT_AFTER_MS", 200));
    ModelStatus failed = h.awaitState(ID, "failed", LONG);
    assertEquals(ReasonCode.CRASH_LOOP, failed.lastDecision().code(), failed.toString());
    assertTrue(
        failed.lastDecision().message().contains("gave up after 3 failures"), failed.toString());
    assertFalse(failed.lastDecision().lastLines().isEmpty());
    assertTrue(failed.instances().isEmpty());
    assertEquals(2, failed.restarts());
    // and it stays failed: no further start
    await()
        .during(Duration.ofMillis(800))
        .atMost(Duration.ofSeconds(2))
        .until(() -> h.status(ID).instances().isEmpty() && h.status(ID).state().equals("failed"));
  }

  @Test
  void aPermanentLoadFailureFailsAfterOneTry() throws Exception {
    h.start(env("FAKE_LLAMA_FAIL_LOAD", "\"unknown model architecture: 'nope'\""));
    ModelStatus failed = h.awaitState(ID, "failed", LONG);
    assertEquals(ReasonCode.LOAD_FAILED, failed.lastDecision().code(), failed.toString());
    assertTrue(failed.lastDecision().message().contains("will not retry"), failed.toString());
    assertTrue(
        failed.lastDecision().message().contains("unknown model architecture"), failed.toString());
    assertEquals(0, failed.restarts());
  }

  @Test
  void aHungServerIsReplacedAfterTheMissThreshold() throws Exception {
    h.start(FleetHarness.FAST_LIVENESS);
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    ModelStatus.InstanceStatus first = only(ready);
    new ProcessBuilder("kill", "-STOP", Long.toString(first.pid())).start().waitFor();
    ModelStatus replaced =
        h.await(
            ID,
            s ->
                s.state().equals("ready")
                    && s.instances().stream()
                        .anyMatch(
                            i -> i.generation() > first.generation() && i.state().equals("ready")),
            LONG);
    assertNotEquals(first.pid(), replaced.instances().get(replaced.instances().size() - 1).pid());
    await()
        .atMost(LONG)
        .until(() -> ProcessHandle.of(first.pid()).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void theCanaryCatchesAServerWhoseCompletionsFail() throws Exception {
    h.start(
        env("FAKE_LLAMA_COMPLETIONS_500", true),
        "supervisor.supervision.liveness.canary-interval=500ms",
        "supervisor.supervision.liveness.canary-timeout=400ms",
        "supervisor.supervision.restart.max-start-failures=10");
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    int firstGeneration = only(ready).generation();
    ModelStatus unhealthy =
        h.await(
            ID,
            s -> s.lastDecision() != null && s.lastDecision().code() == ReasonCode.UNHEALTHY,
            LONG);
    assertTrue(unhealthy.lastDecision().message().contains("CANARY_FAILED"), unhealthy.toString());
    h.await(ID, s -> s.instances().stream().anyMatch(i -> i.generation() > firstGeneration), LONG);
  }

  /** The routing table tells proxies how many slots of a backend are idle. */
  @Test
  void idleSlotsFollowTheRequestsInFlight() throws Exception {
    h.start(env("FAKE_LLAMA_TOKEN_MS", 50));
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    String url = only(ready).url();
    HttpClient client = HttpClient.newHttpClient();
    var inFlight =
        client.sendAsync(
            HttpRequest.newBuilder(URI.create(url + "/completion"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\",\"n_predict\":200}"))
                .build(),
            HttpResponse.BodyHandlers.discarding());
    await()
        .atMost(LONG)
        .until(() -> h.routes.current().model(ID).get().readyBackends().get(0).slotsIdle() == 1);
    inFlight.cancel(true);
  }

  @Test
  void aPortHeldByAnotherProcessIsSkipped() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      h.firstPort = held.getLocalPort(); // the first port the allocator would hand out
      h.start();
      ModelStatus ready = h.awaitState(ID, "ready", LONG);
      assertNotEquals(held.getLocalPort(), only(ready).port());
    }
  }

  @Test
  void withoutLlamaServerModelsAreCataloguedAndExplained() throws Exception {
    h.start(LlamaServerBinary.resolve(dir.resolve("nope/llama-server").toString(), Map.of()));
    ModelStatus s = h.awaitState(ID, "unavailable", LONG);
    assertEquals(ReasonCode.LLAMA_SERVER_NOT_FOUND, s.lastDecision().code());
    assertTrue(s.lastDecision().message().contains("ghcr.io/ggml-org/llama.cpp"), s.toString());
    assertTrue(s.instances().isEmpty());
  }

  @Test
  void aRemovedFileStopsItsInstanceAndLeavesTheTable() throws Exception {
    h.start();
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    long pid = only(ready).pid();
    Files.delete(h.models.resolve(ID + ".gguf"));
    await().atMost(LONG).until(() -> h.fleet.model(ID).isEmpty());
    await().atMost(LONG).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    RoutingTable table = h.routes.current();
    assertTrue(table.model(ID).isEmpty(), table.toString());
  }

  @Test
  void operatorStopKeepsItStoppedUntilStarted() throws Exception {
    h.start();
    h.awaitState(ID, "ready", LONG);
    assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.operatorStop(ID));
    ModelStatus stopped = h.awaitState(ID, "stopped", LONG);
    assertEquals(ReasonCode.OPERATOR_STOP, stopped.lastDecision().code());
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(2))
        .until(() -> h.status(ID).instances().isEmpty());
    assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.operatorStart("m"));
    h.awaitState(ID, "ready", LONG);
    assertEquals(Fleet.CommandResult.NOT_FOUND, h.fleet.operatorStart("nope"));
  }

  @Test
  void restartSwapsGenerationsWithOneVersionForTheSwitch() throws Exception {
    h.start();
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    int first = only(ready).generation();
    AtomicReference<RoutingTable> switched = new AtomicReference<>();
    try (RoutingRegistry.Subscription sub =
        h.routes.subscribe(
            t ->
                t.model(ID)
                    .ifPresent(
                        m -> {
                          boolean newReady =
                              m.backends().stream()
                                  .anyMatch(
                                      b ->
                                          b.generation() > first
                                              && b.state() == BackendState.READY);
                          boolean oldDraining =
                              m.backends().stream()
                                  .anyMatch(
                                      b ->
                                          b.generation() == first
                                              && b.state() == BackendState.DRAINING);
                          if (newReady && oldDraining) {
                            switched.compareAndSet(null, t);
                          }
                        }))) {
      assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.operatorRestart(ID));
      ModelStatus after =
          h.await(
              ID,
              s ->
                  s.instances().size() == 1
                      && s.instances().get(0).generation() > first
                      && s.instances().get(0).state().equals("ready"),
              LONG);
      assertTrue(
          switched.get() != null, "no table with the new generation ready and the old draining");
      assertEquals("done", after.rollout().phase(), after.toString());
      assertEquals(ReasonCode.OPERATOR_RESTART, after.rollout().reason());
    }
  }
}
