package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchSpecTest {

  private final LogSettings log = LogSettings.defaults(Path.of("logs"));

  @Test
  void logFileIsNamedAfterTheIdAndDistinctIdsNeverShareOne() {
    assertEquals(Path.of("logs", "qwen2.5-7b_q4.log"), log.logFileFor("qwen2.5-7b_q4"));
    Path slash = log.logFileFor("org/model");
    Path colon = log.logFileFor("org:model");
    assertTrue(slash.getFileName().toString().startsWith("org_model-"), slash.toString());
    assertEquals(Path.of("logs"), slash.getParent());
    assertNotEquals(slash, colon);
    assertNotEquals(log.logFileFor("org_model"), slash);
    assertTrue(log.logFileFor("..").getFileName().toString().startsWith("..-"));
  }

  @Test
  void specCopiesItsInputs() {
    List<String> argv = new ArrayList<>(List.of("llama-server", "-m", "x.gguf"));
    LaunchSpec spec = LaunchSpec.of("m", argv, log).withEnv(Map.of("A", "1"));
    argv.add("--changed");
    assertEquals(List.of("llama-server", "-m", "x.gguf"), spec.argv());
    assertEquals(Map.of("A", "1"), spec.env());
    assertEquals(log.logFileFor("m"), spec.logFile());
  }

  @Test
  void rejectsInvalidSpecsAndSettings() {
    assertThrows(IllegalArgumentException.class, () -> LaunchSpec.of(" ", List.of("x"), log));
    assertThrows(IllegalArgumentException.class, () -> LaunchSpec.of("m", List.of(), log));
    assertThrows(IllegalArgumentException.class, () -> LaunchSpec.of("m", List.of(""), log));
    assertThrows(IllegalArgumentException.class, () -> log.toBuilder().buffer(0, 100).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> log.toBuilder().maxLineBytes(log.maxBytes() + 1).build());
    assertThrows(IllegalArgumentException.class, () -> log.toBuilder().maxFileBytes(100).build());
    assertThrows(
        IllegalArgumentException.class, () -> log.toBuilder().pollInterval(Duration.ZERO).build());
  }
}
