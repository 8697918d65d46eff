package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code serve} keeps its state when {@code --state-dir} is not given. */
class DefaultStateDirTest {
  @TempDir Path dir;

  @Test
  void aWritableModelsDirectoryKeepsTheStateInside() {
    Path models = dir.resolve("models");

    assertEquals(
        models.resolve(".llama-supervisor"),
        ServeCommand.defaultStateDir(models, p -> true, dir.resolve("home")));
  }

  @Test
  void aReadOnlyModelsDirectoryFallsBackToTheUsersStateDirectoryOnePerModelsDirectory() {
    Path home = dir.resolve("home");

    Path a = ServeCommand.defaultStateDir(Path.of("/srv/models-a"), p -> false, home);
    Path again = ServeCommand.defaultStateDir(Path.of("/srv/models-a/"), p -> false, home);
    Path b = ServeCommand.defaultStateDir(Path.of("/srv/models-b"), p -> false, home);

    assertEquals(home.resolve(".local/state/llama-supervisor"), a.getParent());
    assertTrue(a.getFileName().toString().matches("[0-9a-f]{12}"), a.toString());
    assertEquals(a, again, "stable for the same directory");
    assertNotEquals(a, b, "two read-only models directories never share a state file");
  }

  @Test
  void aReadOnlyModelsDirectoryWithAWritableStateDirectoryInsideKeepsUsingIt() {
    Path models = dir.resolve("models");
    Path inside = models.resolve(".llama-supervisor");

    assertEquals(inside, ServeCommand.defaultStateDir(models, p -> p.equals(inside), dir));
  }

  @Test
  void aReallyReadOnlyModelsDirectoryFallsBack() throws Exception {
    Path models = Files.createDirectories(dir.resolve("ro-models"));
    Files.setPosixFilePermissions(models, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assumeFalse(Files.isWritable(models), "root may write anywhere");

      Path state = ServeCommand.defaultStateDir(models);

      assertTrue(
          state.startsWith(
              Path.of(System.getProperty("user.home"), ".local", "state", "llama-supervisor")),
          state.toString());
    } finally {
      Files.setPosixFilePermissions(models, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }
}
