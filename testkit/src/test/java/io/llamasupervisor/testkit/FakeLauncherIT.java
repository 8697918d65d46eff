package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How other modules start the fake: an argv, or a {@code llama-server} executable on disk. */
class FakeLauncherIT {
  @TempDir Path dir;

  @Test
  void commandIsAJavaInvocationOfTheMainClass() {
    List<String> cmd = FakeLlamaServer.command(List.of("-m", "x.gguf"));
    assertTrue(Files.isExecutable(Path.of(cmd.get(0))), cmd.get(0));
    assertTrue(cmd.containsAll(FakeLlamaServer.JVM_OPTIONS), cmd.toString());
    assertEquals(FakeLlamaServer.class.getName(), cmd.get(cmd.size() - 3));
    assertEquals(List.of("-m", "x.gguf"), cmd.subList(cmd.size() - 2, cmd.size()));
  }

  @Test
  void signalsIgnoredByTheParentStillReachTheFake() throws Exception {
    Path model = Fixtures.write(Fixtures.TINY, dir);
    // a background job of a non-interactive shell starts with SIGINT ignored
    List<String> argv = new ArrayList<>(List.of("sh", "-c", "trap '' INT; exec \"$@\"", "sh"));
    argv.addAll(FakeLlamaServer.command(List.of()));
    try (FakeServerProcess p =
        FakeServerProcess.start(
            args -> {
              List<String> cmd = new ArrayList<>(argv);
              cmd.addAll(args);
              return cmd;
            },
            List.of("-m", model.toString()),
            Map.of(),
            dir)) {
      p.awaitHealthy(Duration.ofSeconds(20));
      p.signal("INT");
      assertEquals(
          0, p.awaitExit(Duration.ofSeconds(5)), "like the real server, SIGINT is handled");
    }
  }

  @Test
  void installedExecutableRunsTheFakeWithArgumentsAndEnvironment() {
    Path bin = FakeLlamaServer.installExecutable(dir.resolve("bin"));
    assertEquals("llama-server", bin.getFileName().toString());
    assertTrue(Files.isExecutable(bin));
    Path model = Fixtures.write(Fixtures.TINY, dir);
    try (FakeServerProcess p =
        FakeServerProcess.start(
            args -> {
              List<String> cmd = new ArrayList<>();
              cmd.add(bin.toString());
              cmd.addAll(args);
              return cmd;
            },
            List.of("-m", model.toString(), "--alias", "via-script"),
            Map.of("FAKE_LLAMA_COMPLETIONS_500", "1"),
            dir)) {
      p.awaitHealthy(Duration.ofSeconds(20));
      assertTrue(p.get("/v1/models").body().contains("\"id\":\"via-script\""));
      assertEquals(
          500,
          p.post("/completion", "{\"prompt\":\"a\"}", Duration.ofSeconds(5)).statusCode(),
          "the environment reaches the fake");
      String command = p.process().toHandle().info().command().orElse("");
      assertTrue(command.endsWith("java"), "the script execs java: " + command);
    }
  }
}
