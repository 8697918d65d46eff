package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.process.LaunchSpec;
import io.llamasupervisor.process.LogSettings;
import io.llamasupervisor.process.ManagedProcess;
import io.llamasupervisor.process.ProcessIdentity;
import io.llamasupervisor.process.ProcessLaunchException;
import io.llamasupervisor.process.ProcessLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A slow launcher start does not hold up the rest of the fleet. */
class SpawnOffStateThreadIT {
  private static final Duration LONG = Duration.ofSeconds(30);

  @TempDir Path dir;
  FleetHarness h;
  final CountDownLatch release = new CountDownLatch(1);
  final CountDownLatch blocked = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    release.countDown();
    if (h != null) {
      h.close();
    }
  }

  /** The launcher's start of {@code pub/slow/*} waits until the test releases it. */
  private ProcessLauncher blocking(ProcessLauncher real) {
    return new ProcessLauncher() {
      @Override
      public ManagedProcess start(LaunchSpec spec) throws ProcessLaunchException {
        if (spec.id().startsWith("pub/slow/")) {
          blocked.countDown();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return real.start(spec);
      }

      @Override
      public ManagedProcess attach(
          String id, ProcessIdentity identity, Path logFile, LogSettings log)
          throws ProcessLaunchException {
        return real.attach(id, identity, logFile, log);
      }
    };
  }

  @Test
  void whileOneSpawnBlocksOtherModelsStartAndTheSupervisorAnswers() throws Exception {
    h = new FleetHarness(dir);
    h.model("pub/slow/a");
    h.model("pub/quick/b");
    h.launcherWrapper = this::blocking;
    h.start("supervisor.supervision.resync-interval=1h");
    assertTrue(blocked.await(30, TimeUnit.SECONDS), "the slow start never began");
    // the state thread is free: other models start, queries answer
    h.awaitState("pub/quick/b", "ready", LONG);
    ModelStatus slow = h.status("pub/slow/a");
    assertEquals("starting", slow.state(), slow.toString());
    assertTrue(slow.instances().isEmpty(), "no process yet: " + slow);
    release.countDown();
    ModelStatus ready = h.awaitState("pub/slow/a", "ready", LONG);
    assertEquals(1, ready.instances().size(), ready.toString());
  }
}
