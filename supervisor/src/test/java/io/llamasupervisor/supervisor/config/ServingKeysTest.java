package io.llamasupervisor.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.launch.LaunchSettings;
import io.llamasupervisor.supervisor.launch.StartMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The per-model serving keys: {@code replicas}, {@code start}, {@code ttl}. */
class ServingKeysTest {
  private static SupervisorConfig load(String yaml) {
    return SupervisorConfig.of(ConfigTree.parseYaml(yaml, "test"));
  }

  @Test
  void defaultsAreOneAlwaysStartedInstanceWithoutTtl() {
    LaunchSettings s = load("supervisor: {}").launch().settingsFor("pub/repo/m");
    assertEquals(1, s.replicas());
    assertEquals(StartMode.ALWAYS, s.start());
    assertNull(s.ttl());
  }

  @Test
  void perModelKeysOverrideTheDefaultsAndTtlZeroTurnsItOff() {
    SupervisorConfig c =
        load(
            """
            supervisor:
              defaults:
                ttl: 10m
              models:
                "big/**":
                  replicas: 3
                  start: on-demand
                  ttl: 30s
                "keep/**":
                  ttl: 0
            """);
    LaunchSettings big = c.launch().settingsFor("big/x/y");
    assertEquals(3, big.replicas());
    assertEquals(StartMode.ON_DEMAND, big.start());
    assertEquals(Duration.ofSeconds(30), big.ttl());
    assertEquals(Duration.ofMinutes(10), c.launch().settingsFor("other/m").ttl());
    assertNull(c.launch().settingsFor("keep/m").ttl());
  }

  @Test
  void badValuesNameTheKey() {
    ConfigException replicas =
        assertThrows(ConfigException.class, () -> load("supervisor: {defaults: {replicas: 0}}"));
    assertEquals("supervisor.defaults.replicas", replicas.key());
    ConfigException start =
        assertThrows(ConfigException.class, () -> load("supervisor: {defaults: {start: lazy}}"));
    assertEquals("supervisor.defaults.start", start.key());
    assertTrue(start.getMessage().contains("always, on-demand"), start.getMessage());
    ConfigException ttl =
        assertThrows(ConfigException.class, () -> load("supervisor: {defaults: {ttl: soon}}"));
    assertEquals("supervisor.defaults.ttl", ttl.key());
  }
}
