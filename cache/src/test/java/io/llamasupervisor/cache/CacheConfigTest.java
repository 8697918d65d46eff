package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class CacheConfigTest {
  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String text) {
    Map<String, Object> root = new Yaml().load(text);
    return (Map<String, Object>) root.get("supervisor");
  }

  @Test
  void defaultsAreOffWithTheDocumentedBounds() {
    CacheConfig c = CacheConfig.parse(Map.of());
    assertEquals(256L << 20, c.maxBytes());
    assertEquals(Duration.ofHours(1), c.ttl());
    assertEquals(CacheConfig.Backend.MEMORY, c.backend());
    assertEquals(Duration.ofMillis(50), c.semanticTimeout());
    assertEquals(0.95, c.semanticThreshold());
    assertFalse(c.shareAcrossKeys());
    assertFalse(c.forModel("any/model").enabled());
  }

  @Test
  void theReadmeExampleParses() {
    CacheConfig c =
        CacheConfig.parse(
            yaml(
                """
                supervisor:
                  cache:
                    max-bytes: 536870912
                    ttl: PT30M
                    backend: redis
                    redis:
                      url: redis://127.0.0.1:6379/0
                      timeout: PT0.1S
                    semantic:
                      timeout: PT0.05S
                      threshold: 0.95
                      embedder: model:org/embed/nomic
                  defaults:
                    cache:
                      semantic-threshold: 0.96
                  models:
                    "**":
                      cache:
                        exact: true
                    "lmstudio-community/**":
                      parallel: 2
                      cache:
                        semantic: true
                        semantic-threshold: 0.97
                """));
    assertEquals(512L << 20, c.maxBytes());
    assertEquals(Duration.ofMinutes(30), c.ttl());
    assertEquals(CacheConfig.Backend.REDIS, c.backend());
    assertEquals(URI.create("redis://127.0.0.1:6379/0"), c.redisUrl());
    assertEquals(Duration.ofMillis(100), c.redisTimeout());
    assertEquals("org/embed/nomic", c.embedderModel());
    var qwen = c.forModel("lmstudio-community/Qwen2-0.5B-GGUF/qwen2-0_5b-instruct-q8_0");
    assertTrue(qwen.exact());
    assertTrue(qwen.semantic());
    assertEquals(0.97, qwen.semanticThreshold());
    var other = c.forModel("other/model");
    assertTrue(other.exact());
    assertFalse(other.semantic());
    assertEquals(0.96, other.semanticThreshold(), "supervisor.defaults.cache applies to all");
  }

  @Test
  void durationsAndSizesAreReadInTheGrammarTheApplicationGives() {
    CacheConfig.Units units =
        new CacheConfig.Units() {
          @Override
          public Duration duration(String text) {
            if (text.equals("an hour and a half")) {
              return Duration.ofMinutes(90);
            }
            throw new IllegalArgumentException("invalid duration '" + text + "'");
          }

          @Override
          public long bytes(String text) {
            if (text.equals("a kilobyte")) {
              return 1000;
            }
            throw new IllegalArgumentException("invalid size '" + text + "'");
          }
        };
    CacheConfig c =
        CacheConfig.parse(
            Map.of("cache", Map.of("ttl", "an hour and a half", "max-bytes", "a kilobyte")), units);
    assertEquals(Duration.ofMinutes(90), c.ttl());
    assertEquals(1000, c.maxBytes());
    CacheConfigException e =
        assertThrows(
            CacheConfigException.class,
            () -> CacheConfig.parse(Map.of("cache", Map.of("ttl", "1h")), units));
    assertEquals("supervisor.cache.ttl: invalid duration '1h'", e.getMessage());
    assertEquals("supervisor.cache.ttl", e.key());
    assertEquals("invalid duration '1h'", e.problem());
  }

  @Test
  void theEmbedderIsInProcessByDefaultOrAModelOfTheFleet() {
    assertEquals(null, CacheConfig.parse(Map.of()).embedderModel());
    assertEquals(
        null,
        CacheConfig.parse(Map.of("cache", Map.of("semantic", Map.of("embedder", "minilm"))))
            .embedderModel());
    assertEquals(
        "e/m",
        CacheConfig.parse(Map.of("cache", Map.of("semantic", Map.of("embedder", "model:e/m"))))
            .embedderModel());
    assertMessage(
        Map.of("cache", Map.of("semantic", Map.of("embedder", "model:"))),
        "supervisor.cache.semantic.embedder: 'model:' is not an embedder; allowed: minilm"
            + " (in-process), model:<id of a model>");
  }

  @Test
  void aLaterRuleWinsForTheFieldsItSets() {
    Map<String, Object> models = new LinkedHashMap<>();
    models.put("**", Map.of("cache", Map.of("exact", true, "semantic", true)));
    models.put("org/secret-*", Map.of("cache", Map.of("semantic", false)));
    CacheConfig c = CacheConfig.parse(Map.of("models", models));
    assertTrue(c.forModel("org/secret-model").exact());
    assertFalse(c.forModel("org/secret-model").semantic());
    assertTrue(c.forModel("org/public").semantic());
  }

  @Test
  void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
    assertMessage(
        Map.of("cache", Map.of("ttl", "soon")),
        "supervisor.cache.ttl: invalid duration 'soon': expected ISO-8601, e.g. PT1H");
    assertMessage(
        Map.of("cache", Map.of("ttl", "PT0S")), "supervisor.cache.ttl: 'PT0S' must be more than 0");
    assertMessage(
        Map.of("cache", Map.of("max-bytes", "lots")),
        "supervisor.cache.max-bytes: invalid size 'lots': expected a number of bytes");
    assertMessage(
        Map.of("cache", Map.of("backend", "memcached")),
        "supervisor.cache.backend: 'memcached' is not a backend; allowed: memory, redis");
    assertMessage(
        Map.of("cache", Map.of("redis", Map.of("url", "http://x"))),
        "supervisor.cache.redis.url: 'http://x' is not a Redis URL; expected redis://host:port[/db]");
    assertMessage(
        Map.of("cache", Map.of("semantic", Map.of("threshold", 1.5))),
        "supervisor.cache.semantic.threshold: '1.5' is out of range; a cosine similarity in (0, 1],"
            + " e.g. 0.95");
    assertMessage(
        Map.of("cache", Map.of("exact", true)),
        "supervisor.cache.exact: unknown key; allowed: backend, max-bytes, redis, semantic,"
            + " share-across-keys, ttl");
    assertMessage(
        Map.of("models", Map.of("a/*", Map.of("cache", Map.of("exact", "yes")))),
        "supervisor.models.\"a/*\".cache.exact: 'yes' is not a boolean; allowed: true, false");
    assertMessage(
        Map.of("models", Map.of("a/*", Map.of("cache", Map.of("semantics", true)))),
        "supervisor.models.\"a/*\".cache.semantics: unknown key; allowed: exact, semantic,"
            + " semantic-threshold");
    assertMessage(
        Map.of("models", Map.of("a/[", Map.of("cache", Map.of("exact", true)))),
        "supervisor.models.\"a/[\": 'a/[' is not a valid glob: Missing ']");
  }

  private static void assertMessage(Map<String, Object> supervisor, String message) {
    CacheConfigException e =
        assertThrows(CacheConfigException.class, () -> CacheConfig.parse(supervisor));
    assertEquals(message, e.getMessage());
  }
}
