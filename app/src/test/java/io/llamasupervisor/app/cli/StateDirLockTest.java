package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock that keeps two supervisors off one state directory. */
class StateDirLockTest {
  @TempDir Path dir;

  @Test
  void aSecondSupervisorOnTheSameStateDirectoryIsRefusedWithAHint() {
    Path state = dir.resolve("state");
    try (StateDirLock first = StateDirLock.acquire(state)) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> StateDirLock.acquire(state));
      assertTrue(e.getMessage().contains("another llama-supervisor is running"), e.getMessage());
      assertTrue(e.getMessage().contains(state.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
    }
  }

  @Test
  void theLockIsFreeAgainOnceReleased() {
    Path state = dir.resolve("state");
    StateDirLock.acquire(state).close();

    StateDirLock.acquire(state).close();
  }

  @Test
  void anotherStateDirectoryIsNotBlocked() {
    try (StateDirLock a = StateDirLock.acquire(dir.resolve("a"));
        StateDirLock b = StateDirLock.acquire(dir.resolve("b"))) {
      assertTrue(Files.exists(dir.resolve("a/lock")) && Files.exists(dir.resolve("b/lock")));
    }
  }

  @Test
  void theStateDirectoryIsCreated() {
    Path state = dir.resolve("deep/er/state");
    try (StateDirLock lock = StateDirLock.acquire(state)) {
      assertTrue(Files.isDirectory(state));
    }
  }

  @Test
  void aStateDirectoryThatCannotBeCreatedIsAClearError() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> StateDirLock.acquire(file.resolve("s")));
    assertTrue(e.getMessage().startsWith("cannot lock state directory"), e.getMessage());
  }
}
