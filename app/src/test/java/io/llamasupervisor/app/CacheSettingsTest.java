package io.llamasupervisor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.app.gateway.CacheSettings;
import io.llamasupervisor.cache.CacheConfig;
import io.llamasupervisor.supervisor.config.ConfigException;
import io.llamasupervisor.supervisor.config.ConfigLoader;
import io.llamasupervisor.supervisor.config.SupervisorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code supervisor.cache} section as {@code serve} and {@code gateway} read it: through the
 * configuration loader (whose binder must let the cache keys through) and the configuration's
 * grammar of durations and sizes.
 */
class CacheSettingsTest {
  @TempDir Path dir;

  private SupervisorConfig load(String yaml, String... overrides) throws Exception {
    Path file = dir.resolve("c.yml");
    Files.writeString(file, yaml);
    return new ConfigLoader().load(file, List.of(overrides));
  }

  @Test
  void theReadmeExampleBindsWithItsValues() throws Exception {
    String example =
        ReadmeConfigTest.yamlBlocks().stream()
            .filter(b -> b.contains("  cache:\n    max-bytes"))
            .findFirst()
            .orElseThrow();
    CacheConfig c =
        CacheSettings.config(
            load(example, "supervisor.cache.ttl=1.5h", "supervisor.cache.max-bytes=1GiB"));
    assertEquals(Duration.ofMinutes(90), c.ttl(), "the override's grammar");
    assertEquals(1L << 30, c.maxBytes());
    assertEquals(Duration.ofMillis(100), c.redisTimeout());
    assertEquals(Duration.ofMillis(50), c.semanticTimeout());
    assertEquals(null, c.embedderModel());
    var lmstudio = c.forModel("lmstudio-community/Qwen2-0.5B-GGUF/qwen2");
    assertTrue(lmstudio.exact(), "supervisor.defaults.cache applies to every model");
    assertTrue(lmstudio.semantic());
    assertEquals(0.97, lmstudio.semanticThreshold());
    assertTrue(c.forModel("other/model").exact());
    assertFalse(c.forModel("other/model").semantic());
  }

  @Test
  void everyBadKeyOrValueIsNamed() throws Exception {
    assertError(
        "supervisor:\n  cache:\n    ttl: soon\n",
        "supervisor.cache.ttl: invalid duration 'soon': expected e.g. 500ms, 1.5s, 2m, 1h or PT2S");
    assertError(
        "supervisor:\n  cache:\n    max-bytes: lots\n",
        "supervisor.cache.max-bytes: invalid size 'lots': expected e.g. 24GiB, 512MiB, 16GB or a"
            + " number of bytes");
    assertError(
        "supervisor:\n  cache:\n    semantic:\n      timeout: 0ms\n",
        "supervisor.cache.semantic.timeout: '0ms' must be more than 0");
    assertError(
        "supervisor:\n  cache:\n    sematic: {}\n",
        "supervisor.cache.sematic: unknown key; allowed: backend, max-bytes, redis, semantic,"
            + " share-across-keys, ttl");
    assertError(
        "supervisor:\n  models:\n    \"a/**\":\n      cache:\n        exact: maybe\n",
        "supervisor.models.\"a/**\".cache.exact: 'maybe' is not a boolean; allowed: true, false");
    assertError(
        "supervisor:\n  defaults:\n    cache:\n      semantic-threshold: 2\n",
        "supervisor.defaults.cache.semantic-threshold: '2' is out of range; a cosine similarity in"
            + " (0, 1], e.g. 0.95");
  }

  @Test
  void theBinderStillRejectsAnUnknownSectionNextToTheCache() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load("supervisor:\n  cahce: {}\n"));
    assertTrue(
        e.getMessage().startsWith("supervisor.cahce: unknown key; did you mean cache?"),
        e.getMessage());
  }

  private void assertError(String yaml, String message) throws Exception {
    SupervisorConfig config = load(yaml);
    ConfigException e = assertThrows(ConfigException.class, () -> CacheSettings.config(config));
    assertEquals(message, e.getMessage());
  }
}
