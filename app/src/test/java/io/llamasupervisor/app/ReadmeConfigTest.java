package io.llamasupervisor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.api.ApiKey;
import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.ServeConfig;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

  @Test
  void theConfigurationExampleBindsWithItsValues() throws IOException {
    List<String> blocks = yamlBlocks();
    assertTrue(blocks.size() >= 2, "README yaml examples: " + blocks.size());
    Path file = dir.resolve("example.yml");
    Files.writeString(
        file, blocks.stream().filter(b -> b.contains("models-dir")).findFirst().get());
    SupervisorConfig config = new ConfigLoader().load(file, List.of());
    ServeConfig serve = ServeConfig.of(config, dir);
    assertEquals(39000, serve.firstPort());
    assertEquals(39999, serve.lastPort());
    assertEquals(8090, serve.apiPort());
    assertEquals(2, serve.supervision().maxConcurrentStarts());
    assertEquals(Duration.ofMinutes(5), serve.supervision().restart().maxBackoff());
    assertEquals(2, config.launch().overrides().size());
    assertEquals(
        2, config.launch().settingsFor("lmstudio-community/Qwen2-0.5B-GGUF/qwen2").parallel());
    assertEquals(16384, config.launch().settingsFor("x/y/Qwen2.5-7B-Instruct-Q4_K_M").ctxSize());
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
