package io.llamasupervisor.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdoptedExitsTest {
  @TempDir Path root;

  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);

  {
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
  }

  @Test
  void adoptedProcessesShareOneTimerThatEndsWithTheLastExit() throws Exception {
    ProcFsTest.fakeProcess(root, 100, "llama-server", 'S', 100, 5000, "llama-server");
    ProcFsTest.fakeProcess(root, 200, "llama-server", 'S', 200, 6000, "llama-server");
    AdoptedExits exits = new AdoptedExits(new ProcFs(root), scheduler, Duration.ofMillis(10));
    CompletableFuture<ExitStatus> first = exits.watch(100, 5000);
    CompletableFuture<ExitStatus> second = exits.watch(200, 6000);
    assertEquals(1, scheduler.getQueue().size(), "one timer for both");

    ProcFsTest.fakeProcess(root, 100, "llama-server", 'Z', 100, 5000); // a zombie has exited
    await().atMost(Duration.ofSeconds(5)).until(first::isDone);
    assertEquals(ExitStatus.unknown(), first.get());
    assertFalse(second.isDone());
    assertEquals(1, exits.size());

    // the pid now belongs to another process: the watched one is gone
    ProcFsTest.fakeProcess(root, 200, "other", 'S', 200, 7000, "other");
    await().atMost(Duration.ofSeconds(5)).until(second::isDone);
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.getQueue().isEmpty());
    assertEquals(0, exits.size());
  }

  @Test
  void aProcessAlreadyGoneHasExitedAtOnceWithoutATimer() {
    AdoptedExits exits = new AdoptedExits(new ProcFs(root), scheduler, Duration.ofMillis(10));
    assertTrue(exits.watch(300, 1).isDone());
    assertTrue(scheduler.getQueue().isEmpty());
  }
}
