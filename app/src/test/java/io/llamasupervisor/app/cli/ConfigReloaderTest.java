package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.launch.LaunchPlanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloading {@code --config}: a changed launch configuration is applied, a bad one is not. */
class ConfigReloaderTest {
  @TempDir Path dir;

  private final List<LaunchPlanner> applied = new ArrayList<>();
  private Path file;
  private Map<String, String> env;
  private ConfigReloader reloader;
  private Instant mtime = Instant.parse("2026-01-01T00:00:00Z");

  @BeforeEach
  void setUp() throws Exception {
    Path binary = Files.writeString(dir.resolve("llama-server"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    env = Map.of("LLAMA_SERVER_BIN", binary.toString());
    file = dir.resolve("config.yml");
    write("supervisor:\n  defaults:\n    parallel: 2\n");
    ConfigArgs args = new ConfigArgs(file, List.of(), List.of());
    reloader = new ConfigReloader(file, () -> args.load(env), (p, b) -> applied.add(p), env);
  }

  /** Writes the file with a modification time one second later than the last one. */
  private void write(String yaml) throws Exception {
    Files.writeString(file, yaml);
    mtime = mtime.plusSeconds(1);
    Files.setLastModifiedTime(file, FileTime.from(mtime));
  }

  private int parallel(LaunchPlanner p) {
    return p.config().defaults().parallel();
  }

  @Test
  void anUnchangedFileAppliesNothing() {
    assertFalse(reloader.check());
    assertEquals(List.of(), applied);
  }

  @Test
  void aChangedFileAppliesTheNewLaunchConfiguration() throws Exception {
    write("supervisor:\n  defaults:\n    parallel: 3\n");

    assertTrue(reloader.check());
    assertEquals(1, applied.size());
    assertEquals(3, parallel(applied.get(0)));
    assertFalse(reloader.check(), "the same change is applied once");
  }

  @Test
  void anInvalidFileKeepsTheRunningConfigurationAndTheNextValidOneIsApplied() throws Exception {
    write("supervisor:\n  defaults:\n    parallel: lots\n");
    assertFalse(reloader.check());
    write("supervisor:\n  defualts:\n    parallel: 3\n");
    assertFalse(reloader.check(), "an unknown key is refused on reload too");
    write("supervisor:\n  defaults: [unclosed\n");
    assertFalse(reloader.check());
    assertEquals(List.of(), applied);

    write("supervisor:\n  defaults:\n    parallel: 5\n");
    assertTrue(reloader.check());
    assertEquals(5, parallel(applied.get(0)));
  }

  @Test
  void aConfigurationNamingAMissingLlamaServerIsNotApplied() throws Exception {
    write("supervisor:\n  llama-server: " + dir.resolve("missing/llama-server") + "\n");

    assertFalse(reloader.check());
    assertEquals(List.of(), applied);
  }

  @Test
  void aDeletedFileKeepsTheRunningConfiguration() throws Exception {
    Files.delete(file);

    assertFalse(reloader.check());
    assertEquals(List.of(), applied);
  }

  /**
   * Regression: a memory budget naming a device the host does not have ({@code gpu9} on a CPU-only
   * host) was accepted silently.
   */
  @Test
  void aBudgetNamingADeviceTheHostDoesNotHaveIsRefusedOnReload() throws Exception {
    HostDevices cpuOnly =
        new HostDevices(
            new io.llamasupervisor.supervisor.memory.DeviceInventory(
                "llama-server",
                java.time.Duration.ofSeconds(1),
                (command, timeout) -> "Available devices:\n  (none)\n",
                () -> "MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n"),
            true);
    ConfigArgs args = new ConfigArgs(file, List.of(), List.of());
    ConfigReloader checked =
        new ConfigReloader(
            file,
            () -> args.load(env),
            (p, b) -> applied.add(p),
            env,
            ServeCommand.hostCheck(cpuOnly));

    write("supervisor:\n  defaults:\n    parallel: 3\n  memory:\n    budget: {gpu9: 2GiB}\n");
    assertFalse(checked.check(), "refused");
    assertEquals(List.of(), applied, "the running configuration is kept");

    write("supervisor:\n  defaults:\n    parallel: 3\n  memory:\n    budget: {cpu: 2GiB}\n");
    assertTrue(checked.check());
    assertEquals(3, parallel(applied.get(0)));
  }
}
