package io.llamasupervisor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.api.ApiKey;
import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every YAML example in the README binds: the documentation cannot drift from the code. */
class ReadmeConfigTest {
  @TempDir Path dir;

  static List<String> yamlBlocks() throws IOException {
    String readme = Files.readString(Path.of("../README.md"));
    List<String> blocks = new ArrayList<>();
    int at = 0;
    while ((at = readme.indexOf("```yaml\n", at)) >= 0) {
      int end = readme.indexOf("```", at + 8);
      blocks.add(readme.substring(at + 8, end));
      at = end + 3;
    }
    return blocks;
  }

  /**
   * Checks only values the README sets to something else than the shipped defaults (each is also
   * checked to differ from the default), so the test fails if the example's keys were ignored.
   */
  @Test
  void theConfigurationExampleBindsWithItsValues() throws IOException {
    List<String> blocks = yamlBlocks();
    assertTrue(blocks.size() >= 2, "README yaml examples: " + blocks.size());
    Path file = dir.resolve("example.yml");
    Files.writeString(
        file, blocks.stream().filter(b -> b.contains("models-dir")).findFirst().get());
    SupervisorConfig config = new ConfigLoader().load(file, List.of());
    ServeConfig serve = ServeConfig.of(config, dir);
    SupervisorConfig shipped = new ConfigLoader().load(null, List.of());
    ServeConfig shippedServe = ServeConfig.of(shipped, dir);
    String qwen = "x/y/Qwen2.5-7B-Instruct-Q4_K_M";
    String lmstudio = "lmstudio-community/Qwen2-0.5B-GGUF/qwen2";

    differs(
        "/opt/llama.cpp/bin/llama-server",
        config.launch().llamaServer(),
        shipped.launch().llamaServer());
    differs(
        Path.of("/var/lib/llama-supervisor"),
        serve.supervision().stateDir(),
        shippedServe.supervision().stateDir());
    differs(
        Path.of(System.getProperty("user.home"), ".lmstudio", "models"),
        config.catalog().modelsDir(),
        shipped.catalog().modelsDir());
    differs(
        2,
        config.launch().settingsFor(lmstudio).parallel(),
        shipped.launch().settingsFor(lmstudio).parallel());
    differs(
        16384,
        config.launch().settingsFor(qwen).ctxSize(),
        shipped.launch().settingsFor(qwen).ctxSize());
    differs(
        "q8_0",
        config
            .launch()
            .settingsFor(qwen)
            .cacheTypeV()
            .toString()
            .toLowerCase(java.util.Locale.ROOT),
        shipped
            .launch()
            .settingsFor(qwen)
            .cacheTypeV()
            .toString()
            .toLowerCase(java.util.Locale.ROOT));
    differs(
        "1024",
        config.launch().settingsFor(qwen).env().get("LLAMA_ARG_BATCH"),
        shipped.launch().settingsFor(qwen).env().get("LLAMA_ARG_BATCH"));
    assertEquals(2, config.launch().overrides().size());
  }

  private static void differs(Object expected, Object actual, Object shippedDefault) {
    assertNotEquals(expected, shippedDefault, "the README's value is the default: " + expected);
    assertEquals(expected, actual);
  }

  @Test
  void theMemoryExampleBindsWithItsValues() throws IOException {
    Path file = dir.resolve("memory.yml");
    Files.writeString(
        file, yamlBlocks().stream().filter(b -> b.contains("  memory:")).findFirst().get());
    SupervisorConfig config = new ConfigLoader().load(file, List.of());
    io.llamasupervisor.supervisor.memory.MemorySettings memory =
        io.llamasupervisor.supervisor.config.MemoryConfig.of(config);
    assertEquals(java.util.Map.of("cpu", 48L << 30), memory.budget());
    assertEquals(512L << 20, memory.marginBytes());
    assertEquals(java.time.Duration.ofMinutes(1), memory.minResidency());
    var pinned = config.launch().settingsFor("lmstudio-community/Qwen2-0.5B-GGUF/qwen2");
    assertTrue(pinned.pinned());
    assertEquals(10, pinned.priority());
    assertFalse(config.launch().settingsFor("other/m").pinned());
  }

  @Test
  void theApiKeyExampleBinds() throws IOException {
    String keys =
        yamlBlocks().stream()
            .filter(b -> b.contains("keys:"))
            .findFirst()
            .orElseThrow()
            .replace("<hex of: printf %s KEY | sha256sum>", "0".repeat(64));
    Path file = dir.resolve("keys.yml");
    Files.writeString(file, keys);
    SupervisorConfig config = new ConfigLoader().load(file, List.of());
    List<ApiKey> parsed =
        ApiKey.fromConfig(config.tree().get("supervisor", "api", "keys").orElse(null));
    assertEquals(2, parsed.size());
  }
}
