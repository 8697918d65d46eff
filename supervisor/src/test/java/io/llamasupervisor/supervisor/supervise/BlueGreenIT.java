package io.llamasupervisor.supervisor.supervise;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.RoutingTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Blue-green replacement triggered by a changed file, a changed config, and its failure modes. */
class BlueGreenIT extends FleetHarness.OneModel {
  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private ModelStatus awaitOnlyGenerationAbove(int generation) {
    return h.await(
        ID,
        s ->
            s.instances().size() == 1
                && s.instances().get(0).generation() > generation
                && s.instances().get(0).state().equals("ready"),
        LONG);
  }

  @Test
  void aChangedFileIsReplacedBlueGreen() throws Exception {
    h.start();
    ModelStatus.InstanceStatus first = h.awaitState(ID, "ready", LONG).instances().get(0);
    Path file = h.models.resolve(ID + ".gguf");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    ModelStatus after = awaitOnlyGenerationAbove(first.generation());
    assertEquals(ReasonCode.FILE_CHANGED, after.rollout().reason());
    assertEquals("done", after.rollout().phase());
    await().atMost(LONG).until(() -> !alive(first.pid()));
  }

  @Test
  void aChangedConfigReplacesOnlyModelsWhosePlanChanged() throws Exception {
    h.model("other/x");
    h.start();
    h.awaitState(ID, "ready", LONG);
    ModelStatus.InstanceStatus other = h.awaitState("other/x", "ready", LONG).instances().get(0);
    int first = h.status(ID).instances().get(0).generation();
    h.reconfigure("supervisor.models.\"pub/**\".parallel=3");
    ModelStatus after = awaitOnlyGenerationAbove(first);
    assertEquals(ReasonCode.PLAN_CHANGED, after.rollout().reason());
    assertTrue(after.instances().get(0).argv().contains("3"), after.toString());
    ModelStatus untouched = h.status("other/x");
    assertEquals(other.pid(), untouched.instances().get(0).pid());
    assertEquals(other.generation(), untouched.instances().get(0).generation());
  }

  /** A new generation that cannot load leaves the old one serving and the table as it was. */
  @Test
  void aFailedRolloutKeepsTheOldGenerationServingAndTheTableUnchanged() throws Exception {
    h.start();
    ModelStatus.InstanceStatus first = h.awaitState(ID, "ready", LONG).instances().get(0);
    RoutingTable before = h.routes.current();
    h.reconfigure("supervisor.models.\"**\".env.FAKE_LLAMA_FAIL_LOAD=broken weights");
    ModelStatus failed =
        h.await(ID, s -> s.rollout() != null && s.rollout().phase().equals("failed"), LONG);
    assertEquals(ReasonCode.LOAD_FAILED, failed.lastDecision().code(), failed.toString());
    assertTrue(failed.rollout().message().contains("broken weights"), failed.toString());
    assertEquals("ready", failed.state());
    assertEquals(1, failed.instances().size());
    assertEquals(first.pid(), failed.instances().get(0).pid());
    assertTrue(alive(first.pid()));
    assertEquals(before.version(), h.routes.current().version(), "the table changed");
  }

  @Test
  void aRejectedNewFileLeavesTheServingGenerationAlone() throws Exception {
    h.start();
    ModelStatus.InstanceStatus first = h.awaitState(ID, "ready", LONG).instances().get(0);
    Path file = h.models.resolve(ID + ".gguf");
    Path tmp = dir.resolve("broken.tmp");
    Files.write(tmp, "GGUXnot a model".getBytes());
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    ModelStatus s =
        h.await(ID, st -> st.rollout() != null && st.rollout().phase().equals("failed"), LONG);
    assertEquals(ReasonCode.REJECTED, s.rollout().reason());
    assertTrue(s.rollout().message().contains("BAD_MAGIC"), s.toString());
    assertEquals("ready", s.state());
    assertEquals(first.pid(), s.instances().get(0).pid());
  }

  @Test
  void withoutMemoryForTwoCopiesTheSwapStopsFirst() throws Exception {
    // room for one copy, not for two
    long one = h.estimate(ID);
    h.start("supervisor.memory.budget=" + (one + one / 2), "supervisor.memory.margin=0");
    ModelStatus.InstanceStatus first = h.awaitState(ID, "ready", LONG).instances().get(0);
    h.fleet.operatorRestart(ID);
    ModelStatus stopping =
        h.await(
            ID, s -> s.rollout() != null && s.rollout().phase().equals("stop-then-start"), LONG);
    assertTrue(stopping.rollout().message().contains("not enough memory"), stopping.toString());
    ModelStatus after = awaitOnlyGenerationAbove(first.generation());
    assertEquals("done", after.rollout().phase());
    assertFalse(alive(first.pid()));
  }

  /** The old generation crashing while it drains fails nothing else: no restart, new one serves. */
  @Test
  void aCrashWhileDrainingDoesNotDisturbTheNewGeneration() throws Exception {
    h.start("supervisor.supervision.drain.linger=20s");
    ModelStatus.InstanceStatus first = h.awaitState(ID, "ready", LONG).instances().get(0);
    h.fleet.operatorRestart(ID);
    h.await(ID, s -> s.instances().stream().anyMatch(i -> i.state().equals("draining")), LONG);
    new ProcessBuilder("kill", "-KILL", Long.toString(first.pid())).start().waitFor();
    ModelStatus after = awaitOnlyGenerationAbove(first.generation());
    assertEquals(0, after.restarts());
    assertEquals("ready", after.state());
    assertFalse(after.instances().isEmpty());
  }

  /**
   * An instance restarted by an operator is still adoptable by the next supervisor run, and the
   * adopted instance is published in the routing table at once.
   */
  @Test
  void anOperatorRestartedInstanceIsAdoptedAndPublished() throws Exception {
    h.start("supervisor.supervision.keep-instances-on-exit=true");
    int first = h.awaitState(ID, "ready", LONG).instances().get(0).generation();
    h.fleet.operatorRestart(ID);
    ModelStatus.InstanceStatus second = awaitOnlyGenerationAbove(first).instances().get(0);
    h.close();
    assertTrue(alive(second.pid()));

    FleetHarness next = new FleetHarness(dir);
    try {
      next.start();
      ModelStatus s = next.awaitState(ID, "ready", LONG);
      assertEquals(second.pid(), s.instances().get(0).pid(), s.toString());
      assertEquals(ReasonCode.ADOPTED, s.lastDecision().code());
      await()
          .atMost(LONG)
          .until(
              () ->
                  next.routes.current().model(ID).map(r -> r.readyBackends().size()).orElse(0)
                      == 1);
      assertEquals(
          second.port(), next.routes.current().model(ID).get().readyBackends().get(0).port());
    } finally {
      next.close();
    }
  }

  /**
   * A supervisor that dies in the middle of a swap (state file lists both generations) is followed
   * by one with exactly one generation: the published one is adopted, the other stopped.
   */
  @Test
  void afterADeathMidSwapExactlyOneGenerationRemains() throws Exception {
    h.start(
        "supervisor.supervision.keep-instances-on-exit=true",
        "supervisor.models.\"**\".env.FAKE_LLAMA_LOAD_MS=300");
    ModelStatus.InstanceStatus first = h.awaitState(ID, "ready", LONG).instances().get(0);
    // the next generation loads slowly: stop the supervisor while it is starting
    h.reconfigure(
        "supervisor.supervision.keep-instances-on-exit=true",
        "supervisor.models.\"**\".env.FAKE_LLAMA_LOAD_MS=20000");
    ModelStatus swapping = h.await(ID, s -> s.instances().size() == 2, LONG);
    long second = swapping.instances().get(1).pid();
    h.close();
    assertTrue(alive(first.pid()) && alive(second));

    FleetHarness next = new FleetHarness(dir);
    try {
      next.start(
          "supervisor.supervision.keep-instances-on-exit=false",
          "supervisor.models.\"**\".env.FAKE_LLAMA_LOAD_MS=300");
      ModelStatus s = next.awaitState(ID, "ready", LONG);
      assertEquals(1, s.instances().size(), s.toString());
      assertEquals(first.pid(), s.instances().get(0).pid());
      assertEquals(ReasonCode.ADOPTED, s.lastDecision().code());
      await().atMost(LONG).until(() -> !alive(second));
    } finally {
      next.close();
    }
  }
}
