package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What catalog events do to the tracked models, on manual time. */
class CatalogChangesTest extends ManualFleet.OneModel {
  @Test
  void aNewModelStartsAndARemovedOneIsStoppedAndForgotten() throws Exception {
    f.start();
    assertEquals("ready", f.status(ID).state());
    FakeProcesses.FakeProcess p = f.processes.last(ID);
    Files.delete(f.models.resolve(ID + ".gguf"));
    f.discover();
    assertFalse(p.isAlive(), "stopped");
    assertTrue(f.fleet.model(ID).isEmpty(), "forgotten once its instance is gone");
  }

  @Test
  void aChangedFileIsReplacedWithReasonFileChanged() throws Exception {
    f.start();
    Path file = f.models.resolve(ID + ".gguf");
    Files.setLastModifiedTime(file, FileTime.from(f.clock.instant().plusSeconds(60)));
    f.discover();
    f.discover(); // stable across two polls
    f.advance(Duration.ofSeconds(3)); // ready, then the old generation drains
    ModelStatus s = f.status(ID);
    assertEquals(ReasonCode.FILE_CHANGED, s.rollout().reason(), s.toString());
    assertEquals(2, f.processes.started.size());
  }

  @Test
  void aRejectedReplacementLeavesTheServingGenerationAlone() throws Exception {
    f.start();
    FakeProcesses.FakeProcess serving = f.processes.last(ID);
    Files.writeString(f.models.resolve(ID + ".gguf"), "GGUXnot a model");
    f.discover();
    f.discover();
    ModelStatus s = f.status(ID);
    assertEquals("failed", s.rollout().phase(), s.toString());
    assertEquals(ReasonCode.REJECTED, s.rollout().reason());
    assertTrue(serving.isAlive());
    assertEquals(1, f.processes.started.size(), "the rejected file never runs");
  }

  @Test
  void anOnDemandModelIsIdleUntilDemanded() throws Exception {
    f.start("supervisor.models.\"**\".start=on-demand");
    ModelStatus s = f.status(ID);
    assertEquals("idle", s.state(), s.toString());
    assertEquals(ReasonCode.ON_DEMAND, s.lastDecision().code());
    assertTrue(f.processes.started.isEmpty());
    assertEquals(Fleet.CommandResult.ACCEPTED, f.fleet.demand(ID));
    assertEquals(Fleet.CommandResult.ACCEPTED, f.fleet.demand(ID));
    f.settle();
    assertEquals("ready", f.status(ID).state());
    assertEquals(1, f.processes.started.size(), "two demands, one start");
  }
}
