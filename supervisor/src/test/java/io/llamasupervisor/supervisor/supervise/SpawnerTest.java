package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.health.ProbeResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Starting instances: ports, generations, start slots, launcher failures, on manual time. */
class SpawnerTest extends ManualFleet.PerTest {
  private static final String ID = "pub/repo/m";

  @Test
  void aLauncherFailureIsASpawnFailureRetriedAfterTheBackoff() throws Exception {
    f.model(ID);
    f.processes.failNext(1);
    f.start();
    ModelStatus s = f.status(ID);
    assertEquals(ReasonCode.SPAWN_FAILED, s.lastDecision().code(), s.toString());
    assertTrue(s.lastDecision().message().contains("not executable"), s.toString());
    assertTrue(s.instances().isEmpty());
    f.advance(Duration.ofMillis(999));
    assertTrue(f.processes.started.isEmpty(), "not before the backoff");
    f.advance(Duration.ofMillis(1));
    assertEquals(1, f.processes.started.size());
    assertEquals("ready", f.status(ID).state());
  }

  @Test
  void replicasStartTogetherOnTheirOwnPortsWithOneGeneration() throws Exception {
    f.model(ID);
    f.start("supervisor.models.\"**\".replicas=2");
    ModelStatus s = f.status(ID);
    assertEquals(2, s.instances().size(), s.toString());
    assertEquals(List.of(1, 1), s.instances().stream().map(i -> i.generation()).toList());
    assertEquals(List.of(0, 1), s.instances().stream().map(i -> i.replica()).toList());
    assertEquals(2, s.instances().stream().map(i -> i.port()).distinct().count());
    assertEquals(
        List.of(ID + "#1", ID + "#1-r1"),
        f.processes.started.stream().map(FakeProcesses.FakeProcess::id).toList(),
        "each replica logs to its own file");
  }

  @Test
  void aReadyInstanceFreesItsStartSlotForTheNextModelAtOnce() throws Exception {
    f.model("pub/a/m");
    f.model("pub/b/m");
    f.model("pub/c/m");
    f.health.otherwise(ProbeResult.loading());
    f.start("supervisor.supervision.max-concurrent-starts=2");
    assertEquals(2, f.processes.started.size(), "two start slots");
    assertEquals("pending", f.status("pub/c/m").state());
    f.health.answer(ProbeResult.ready());
    f.advance(Duration.ofMillis(60)); // the next readiness poll: one of the two is ready
    assertEquals(3, f.processes.started.size(), "the freed slot started the third model");
  }

  @Test
  void aCrashedReplicaGetsANewGenerationOfItsOwn() throws Exception {
    f.model(ID);
    f.start("supervisor.models.\"**\".replicas=2");
    f.processes.last(ID + "#1-r1").exit(io.llamasupervisor.process.ExitStatus.exited(1));
    f.settle();
    f.advance(Duration.ofSeconds(1));
    ModelStatus s = f.status(ID);
    assertEquals(2, s.instances().size(), s.toString());
    assertEquals(
        List.of("1/0", "2/1"),
        s.instances().stream().map(i -> i.generation() + "/" + i.replica()).toList());
  }
}
