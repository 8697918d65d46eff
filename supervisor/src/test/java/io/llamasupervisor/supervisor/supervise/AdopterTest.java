package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.health.ProbeResult;
import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.supervisor.state.InstanceRecord;
import io.llamasupervisor.supervisor.state.StateFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adoption of instances a previous run left alive, on manual time. The "live" process of a record
 * is this test's own JVM (a pid and start time that really exist); the fake launcher attaches to it
 * without touching it.
 */
class AdopterTest {
  private static final String ID = "pub/repo/m";

  @TempDir Path dir;

  /** Runs a first supervisor that keeps its instance, then points its record at this JVM. */
  private void previousRun(long startTicksDelta) throws Exception {
    try (ManualFleet first = new ManualFleet(dir)) {
      first.model(ID);
      first.start("supervisor.supervision.keep-instances-on-exit=true");
      assertEquals("ready", first.status(ID).state());
    }
    StateFile file = new StateFile(dir.resolve("state/state.json"));
    ProcessIdentity me = ProcessIdentity.capture(ProcessHandle.current().pid()).orElseThrow();
    List<InstanceRecord> records =
        file.read().stream()
            .map(
                r ->
                    new InstanceRecord(
                        r.model(),
                        r.generation(),
                        me.pid(),
                        me.startTicks() + startTicksDelta,
                        me.argvHash(),
                        r.port(),
                        r.planHash(),
                        r.logFile(),
                        r.published(),
                        r.replica()))
            .toList();
    assertEquals(1, records.size());
    file.write(records);
  }

  @Test
  void aLiveHealthyRecordedInstanceIsAdoptedAndPublished() throws Exception {
    previousRun(0);
    try (ManualFleet next = new ManualFleet(dir)) {
      next.start();
      ModelStatus s = next.status(ID);
      assertEquals("ready", s.state(), s.toString());
      assertEquals(ReasonCode.ADOPTED, s.lastDecision().code());
      assertEquals(ProcessHandle.current().pid(), s.instances().get(0).pid());
      assertTrue(next.processes.started.isEmpty(), "nothing new started");
      assertEquals(1, next.routes.current().model(ID).orElseThrow().readyBackends().size());
    }
  }

  @Test
  void aPidWithAnotherStartTimeIsLeftAloneAndTheModelStartsFresh() throws Exception {
    previousRun(1);
    try (ManualFleet next = new ManualFleet(dir)) {
      next.start();
      assertTrue(next.processes.attached.isEmpty(), "not ours: not even attached");
      assertEquals(1, next.processes.started.size());
      assertEquals("ready", next.status(ID).state());
    }
  }

  @Test
  void anUnhealthyRecordedInstanceIsStoppedAndReplaced() throws Exception {
    previousRun(0);
    try (ManualFleet next = new ManualFleet(dir)) {
      next.health.answer(ProbeResult.loading());
      next.start();
      assertEquals(1, next.processes.attached.size());
      assertEquals(1, next.processes.attached.get(0).stops.size(), "stopped, not adopted");
      assertEquals(1, next.processes.started.size());
      assertEquals("ready", next.status(ID).state());
    }
  }
}
