package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} as a real process: killed with SIGKILL it leaves its llama-servers running, and the
 * next run adopts them (no duplicate, no orphan); a pid recorded in the state file that now belongs
 * to another process is neither adopted nor killed; SIGTERM leaves no llama-server behind.
 */
class ServeProcessIT {
  private static final Duration LONG = Duration.ofSeconds(40);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Path models;
  Path state;
  Path binary;
  JarLauncher launcher;
  final List<Process> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    models = Files.createDirectories(dir.resolve("models"));
    state = dir.resolve("state");
    binary = FakeLlamaServer.installExecutable(dir.resolve("bin"));
    launcher = new JarLauncher(dir);
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("pub/repo/m.gguf"));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
    }
    launcher.close();
    for (long pid : instancePids()) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private Process serve(int run) throws IOException {
    return launcher
        .serve(
            "serve-" + run,
            models,
            binary,
            state,
            List.of(
                "--supervisor.supervision.resync-interval=200ms",
                "--supervisor.supervision.stop-grace=2s",
                "--supervisor.gateway.enabled=false"))
        .process();
  }

  private String log(int run) {
    return launcher.log("serve-" + run);
  }

  /** The pid of the published instance of the model in the state file, once there is one. */
  private Optional<Long> publishedPid() {
    try {
      JsonNode root = JSON.readTree(state.resolve("state.json").toFile());
      for (JsonNode i : root.path("instances")) {
        if (i.path("published").asBoolean()) {
          return Optional.of(i.path("pid").asLong());
        }
      }
    } catch (IOException e) {
      // not written yet
    }
    return Optional.empty();
  }

  /** Live processes whose command line names our models directory: our llama-servers. */
  private Set<Long> instancePids() {
    String needle = models.toString();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .filter(
              p -> {
                try {
                  String cmdline = Files.readString(p.resolve("cmdline"), StandardCharsets.UTF_8);
                  return cmdline.contains(needle)
                      && cmdline.contains("FakeLlamaServer")
                      && !cmdline.contains("llama-supervisor.jar");
                } catch (IOException | RuntimeException e) {
                  return false;
                }
              })
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aKilledSupervisorsInstancesAreAdoptedAndSigtermLeavesNoneBehind() throws Exception {
    Process first = serve(1);
    long pid = await().atMost(LONG).until(this::publishedPid, Optional::isPresent).get();
    assertEquals(Set.of(pid), instancePids());

    first.destroyForcibly().waitFor();
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "instance died");

    Process second = serve(2);
    await().atMost(LONG).until(() -> log(2).contains("adopted pid " + pid));
    // the adopted instance keeps serving alone: no second llama-server for the model
    try {
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(5))
          .until(() -> instancePids().equals(Set.of(pid)));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "expected only " + pid + " but found " + instancePids() + "; log:\n" + log(2), e);
    }

    second.destroy(); // SIGTERM
    assertTrue(second.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), log(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> instancePids().isEmpty());
    assertTrue(publishedPid().isEmpty(), "state file still lists instances");
  }

  /**
   * Regression: the shutdown hook used to be registered only after the fleet had started, so a
   * SIGTERM while {@code serve} was still starting (here: right after it adopted the instance a
   * killed supervisor left behind) ended the JVM without stopping the adopted instance.
   */
  @Test
  void aSigtermDuringStartupLeftAdoptedInstancesRunning() throws Exception {
    Process first = serve(1);
    long pid = await().atMost(LONG).until(this::publishedPid, Optional::isPresent).get();
    first.destroyForcibly().waitFor();
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "instance died");

    Process second = serve(2);
    await()
        .pollInterval(Duration.ofMillis(20))
        .atMost(LONG)
        .until(() -> log(2).contains("adopted pid " + pid));
    second.destroy(); // SIGTERM, as early in the startup as the adoption can be seen

    assertTrue(second.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), log(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> instancePids().isEmpty());
    assertTrue(log(2).contains("shutting down"), log(2));
  }

  @Test
  void aReusedPidIsNeitherAdoptedNorKilled() throws Exception {
    Process decoy = new ProcessBuilder("sleep", "600").start();
    started.add(decoy);
    Files.createDirectories(state);
    Files.writeString(
        state.resolve("state.json"),
        """
        {"format":1,"instances":[{"model":"pub/repo/m","generation":1,"pid":%d,
         "startTicks":1,"argvHash":"00","port":39999,"planHash":"x",
         "logFile":"%s","published":true}]}
        """
            .formatted(decoy.pid(), dir.resolve("decoy.log")));
    serve(1);
    long pid =
        await()
            .atMost(LONG)
            .until(this::publishedPid, p -> p.isPresent() && p.get() != decoy.pid())
            .get();
    assertTrue(pid != decoy.pid());
    assertTrue(decoy.isAlive(), "the decoy was killed");
    assertTrue(log(1).contains("pid=" + decoy.pid()), log(1));
  }
}
