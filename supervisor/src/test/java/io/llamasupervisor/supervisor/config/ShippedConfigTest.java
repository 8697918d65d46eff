package io.llamasupervisor.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.llamasupervisor.supervisor.launch.FlashAttn;
import io.llamasupervisor.supervisor.launch.KvCacheType;
import io.llamasupervisor.supervisor.launch.LaunchSettings;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped application.yml: it loads, says what the built-in defaults say, and its example
 * works.
 */
class ShippedConfigTest {

  private static String shippedText() throws Exception {
    try (InputStream in = ShippedConfigTest.class.getResourceAsStream("/application.yml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void shippedFileMatchesTheBuiltInDefaults() {
    SupervisorConfig c = new ConfigLoader().load(null, List.of());
    assertEquals(LaunchSettings.defaults(), c.launch().defaults());
    assertEquals("llama-server", c.launch().llamaServer());
    assertEquals(Duration.ofSeconds(2), c.catalog().pollInterval());
    assertEquals(Duration.ofSeconds(2), c.catalog().stableAfter());
    assertNull(c.catalog().modelsDir());
    assertEquals(List.of(), c.launch().overrides());
  }

  /** The commented per-model example in the shipped file, uncommented, is valid configuration. */
  @Test
  void commentedModelsExampleIsValid() throws Exception {
    StringBuilder sb = new StringBuilder();
    boolean inModels = false;
    for (String line : shippedText().split("\n", -1)) {
      if (line.equals("  models: {}")) {
        inModels = true;
        sb.append("  models:\n");
      } else if (inModels && line.startsWith("  #  ")) {
        sb.append("  ").append(line.substring(3)).append('\n');
      } else {
        sb.append(line).append('\n');
      }
    }
    SupervisorConfig c = SupervisorConfig.of(ConfigTree.parseYaml(sb.toString(), "example"));
    assertEquals(2, c.launch().overrides().size());
    LaunchSettings qwen =
        c.launch()
            .settingsFor("lmstudio-community/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q4_K_M");
    assertEquals(2, qwen.parallel());
    assertEquals(16384, qwen.ctxSize());
    assertEquals(KvCacheType.Q8_0, qwen.cacheTypeV());
    assertEquals(Map.of("LLAMA_ARG_BATCH", "1024"), qwen.env());
    assertEquals(FlashAttn.AUTO, qwen.flashAttn());
  }
}
